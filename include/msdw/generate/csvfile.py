"""CSV files from string columns, in a submitter's style: header case, column order, null token, line ends,
encoding, byte-order mark."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from msdw.generate.names import fit_encoding
from msdw.generate.styles import Style
from msdw.generate.values import Column
from msdw.sources import Table
from msdw.sources.spec import ColumnType

EXTRA_COLUMN = "notes"
_NEEDS_QUOTES = r'[",\r\n]'


def header(name: str, style: Style) -> str:
    match style.header_case:
        case "upper":
            return name.upper()
        case "title":
            return "_".join(w.capitalize() for w in name.split("_"))
        case "padded":
            return f" {name} "
    return name


def column_order(table: Table, style: Style) -> list[str]:
    names = [c.name for c in table.columns]
    if style.shuffle_columns:
        rng = np.random.default_rng(style.order_seed)
        rest = names[1:]
        rng.shuffle(rest)
        names = [names[0], *rest]
    return names


def _quoted(col: pa.Array) -> pa.Array:
    if len(col) == 0 or col.null_count == len(col):
        return col
    needs = pc.match_substring_regex(col, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return col
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, col)


def _cell(text: str) -> str:
    return f'"{text}"' if any(ch in text for ch in '",\r\n') else text


def csv_bytes(table: Table, columns: dict[str, Column], style: Style, order: list[str] | None = None) -> bytes:
    """The file: a header row and one line per row, columns in the style's order (or ``order``)."""
    names = order or column_order(table, style)
    n = len(columns[names[0]]) if names else 0
    heads = [header(name, style) for name in names]
    free = {c.name for c in table.columns if c.type == ColumnType.MONEY or c.is_personal}
    cols = [columns[name] for name in names]
    quote = [name in free for name in names]
    if style.extra_column:
        heads.append(header(EXTRA_COLUMN, style))
        cols.append([None] * n)
        quote.append(False)
    lines = [",".join(_cell(h) for h in heads)]
    if n and all(isinstance(c, list) for c in cols):
        null = style.null
        cells = [[null if v is None else (_cell(v) if q else v) for v in c] for c, q in zip(cols, quote, strict=True)]
        lines.extend(",".join(row) for row in zip(*cells, strict=True))
    elif n:
        arrays = [_quoted(_arrow(c)) if q else _arrow(c) for c, q in zip(cols, quote, strict=True)]
        joined = pc.binary_join_element_wise(*arrays, ",", null_handling="replace", null_replacement=style.null)
        lines.extend(joined.to_pylist())
    text = style.newline.join(lines) + style.newline
    if style.encoding == "cp1252":
        return fit_encoding(text, "cp1252").encode("cp1252", errors="replace")
    return text.encode(style.encoding)


def _arrow(column: Column) -> pa.Array:
    return column if isinstance(column, pa.Array) else pa.array(column, type=pa.string())
