"""How each submitter writes its returns, within what the contract allows: header case and spacing, column order,
date, boolean and null forms, encoding, nationality spellings. A submitter keeps its style from month to month."""

from __future__ import annotations

from dataclasses import dataclass

from msdw.generate import streams
from msdw.generate.faults import FaultRates

BOOLEANS = (("Y", "N"), ("Yes", "No"), ("TRUE", "FALSE"), ("1", "0"), ("y", "n"), ("YES", "NO"))
NULLS = ("NULL", "N/A", "-")
HEADER_CASES = ("upper", "title", "padded")
VICTIM_REFS = ("{p}-V-{n}", "{p}/MSV/{n:06d}", "V{n:06d}", "{p}-PV-{n:05d}")
OPERATION_REFS = ("{p}-OP-{n:04d}", "OP/{p}/{n:05d}", "{p}MS{n:04d}", "OP-{n:05d}")


@dataclass(frozen=True)
class Style:
    header_case: str = "lower"  # lower | upper | title | padded (surrounding spaces)
    shuffle_columns: bool = False
    order_seed: int = 0
    uk_dates: bool = False
    booleans: tuple[str, str] = ("Y", "N")
    null: str = ""
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1252
    newline: str = "\n"
    nationality_text: float = 0.0  # share of nationality values not written as alpha-3
    short_gender: bool = False
    money_text: bool = False
    extra_column: bool = False
    victim_ref: str = VICTIM_REFS[0]
    operation_ref: str = OPERATION_REFS[0]
    title_rows: bool = False  # workbooks: a title above each table
    total_rows: bool = False  # workbooks: a Total row under the investigations
    text_cells: bool = False  # workbooks: dates, booleans and money as text rather than typed cells
    local_times: bool = False  # JSON: times with the UK offset rather than Z


def style_for(submitter: str, faults: FaultRates, seed: int, police: bool = False) -> Style:
    """The style of ``submitter``, stable across months (and across windows of months) for one seed."""
    rng = streams.stream(seed, "style", submitter)
    u = rng.random(16)
    v = faults.format_variants

    def pick(options: tuple[str, ...], i: int) -> str:
        return options[int(u[i] * 997) % len(options)]

    encoding = "cp1252" if police and u[0] < faults.cp1252 else ("utf-8-sig" if u[1] < v * 0.4 else "utf-8")
    return Style(
        header_case=pick(HEADER_CASES, 2) if u[2] < v * 0.6 else "lower",
        shuffle_columns=bool(u[3] < v * 0.3),
        order_seed=int(u[4] * 2**31),
        uk_dates=bool(u[5] < v * 0.5),
        booleans=BOOLEANS[1 + int(u[6] * 997) % (len(BOOLEANS) - 1)] if u[6] < v else BOOLEANS[0],
        null=pick(NULLS, 7) if u[7] < v * 0.3 else "",
        encoding=encoding,
        newline="\r\n" if u[8] < v else "\n",
        nationality_text=min(1.0, faults.nationality_text * 2 * float(u[9])),
        short_gender=bool(u[10] < v * 0.5),
        money_text=bool(u[11] < v),
        extra_column=bool(u[12] < v * 0.1),
        victim_ref=pick(VICTIM_REFS, 13) if police and submitter != "E23000001" else VICTIM_REFS[0],
        operation_ref=pick(OPERATION_REFS, 14) if police else OPERATION_REFS[0],
        title_rows=bool(u[13] < v * 1.4),
        total_rows=bool(u[14] < v * 1.4),
        text_cells=bool(u[15] < v * 0.4),
        local_times=bool(u[15] > 1 - v),
    )
