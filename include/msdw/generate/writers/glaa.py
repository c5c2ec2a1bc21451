"""The GLAA workbook of one month: a cover sheet and the Investigations, Inspections and Workers tables."""

from __future__ import annotations

import datetime as dt

import numpy as np

from msdw.generate import values as vals
from msdw.generate.csvfile import header
from msdw.generate.month_view import MonthView
from msdw.generate.months import first_day, month_text
from msdw.generate.styles import Style
from msdw.generate.workbook import workbook_bytes
from msdw.generate.writers.common import NULL, Context, Rendered, Variant, kept_rows
from msdw.sources import codes
from msdw.sources.catalogue import GLAA_INSPECTIONS, GLAA_INVESTIGATIONS, GLAA_WORKERS
from msdw.sources.spec import ColumnType, Table

PREPARED_BY = "GLAA Intelligence Bureau"


def workbook(ctx: Context, view: MonthView, variant: Variant) -> Rendered:
    w = ctx.world
    style = ctx.style("GLAA")
    rng = ctx.rng("glaa", view.month)
    month = view.month
    inv = w.investigations
    rows_i = view.investigations
    workers = view.workers[kept_rows(len(view.workers), variant)]
    rec = w.workers
    per_inv = rec.operation[workers]
    n_i = len(rows_i)
    index = {int(i): k for k, i in enumerate(rows_i.tolist())}
    identified = np.zeros(n_i, dtype=np.int64)
    referrals = np.zeros(n_i, dtype=np.int64)
    dtn = np.zeros(n_i, dtype=np.int64)
    for op, r, d in zip(per_inv.tolist(), rec.nrm[workers].tolist(), rec.dtn[workers].tolist(), strict=True):
        if op in index:
            identified[index[op]] += 1
            referrals[index[op]] += r
            dtn[index[op]] += d
    if variant.totals_disagree and n_i:
        identified[int(rng.integers(0, n_i))] += 1
    money = rng.random((3, n_i)) < np.array([[0.10], [0.08], [0.10]])
    amounts = np.round(rng.lognormal(np.log(250_000), 1.1, (3, n_i))).astype(np.int64)
    amounts = np.where(money, amounts, NULL)
    arrests = rng.poisson(0.12, n_i)
    closing = inv.last_month[rows_i] == month
    investigations = [
        [
            investigation_ref(ctx, int(i)),
            _date(int(inv.opened_day[i]), style),
            "CLOSED" if c else "OPEN",
            codes.SECTORS[inv.sector[i]],
            w.places.force_codes[inv.force[i]],
            _bool(bool(inv.modern_slavery[i]), style),
            int(identified[k]),
            int(arrests[k]),
            int(referrals[k]),
            int(dtn[k]),
            *(_money(int(a), style) for a in amounts[:, k].tolist()),
        ]
        for k, (i, c) in enumerate(zip(rows_i.tolist(), closing.tolist(), strict=True))
    ]
    ins = w.inspections
    inspections = [
        [
            f"GLAA-INS-{month // 12}-{int(ins.number[i]):05d}",
            _date(int(ins.day[i]), style),
            codes.SECTORS[ins.sector[i]],
            f"GLA{int(ins.licence[i]):05d}",
            codes.INSPECTION_OUTCOMES[ins.outcome[i]],
            w.places.force_codes[ins.force[i]],
        ]
        for i in view.inspections.tolist()
    ]
    given, family, dob, _ = ctx.people(rec, workers, style)
    nat_u = rng.random((2, len(workers)))
    ids = []
    worker_rows = []
    for k, i in enumerate(workers.tolist()):
        ref = f"GLAA-W-{int(rec.number[i])}"
        ids.append((f"GLAA:GLAA:{ref}", int(rec.person[i])))
        p = int(rec.person[i])
        nrm = bool(rec.nrm[i])
        gender = codes.GENDERS[w.persons.gender[p]]
        worker_rows.append(
            [
                ref,
                investigation_ref(ctx, int(rec.operation[i])) if rec.operation[i] >= 0 else None,
                given[k],
                family[k],
                _date(int(dob[k]), style),
                gender[0] if style.short_gender and gender in ("MALE", "FEMALE") else gender,
                vals.nationality_cell(str(w.persons.nationality[p]), style, nat_u[0, k], nat_u[1, k]),
                _date(int(rec.day[i]), style),
                _bool(nrm, style),
                _date(int(rec.nrm_day[i]), style) if nrm else None,
                _bool(bool(rec.dtn[i]), style),
            ]
        )
    sheets = [("Cover", _cover(month, style))]
    tables = [(GLAA_INVESTIGATIONS, investigations), (GLAA_INSPECTIONS, inspections), (GLAA_WORKERS, worker_rows)]
    for table, rows in tables:
        if variant.malformed == "missing_sheet" and table is GLAA_WORKERS:
            continue
        sheets.append((table.sheet or table.name, _sheet(table, rows, style, month, variant, rng)))
    stamp = f"{month_text(month + 1)}-05T09:00:00Z" if not variant.resaved else f"{month_text(month + 2)}-05T09:00:00Z"
    content = workbook_bytes(sheets, stamp)
    if variant.malformed == "not_a_workbook":
        content = content[: len(content) // 3]
    counts = {
        GLAA_INVESTIGATIONS.name: n_i,
        GLAA_INSPECTIONS.name: len(inspections),
        GLAA_WORKERS.name: len(worker_rows),
    }
    return Rendered(content, counts, ids, variant.malformed)


def investigation_ref(ctx: Context, i: int) -> str:
    inv = ctx.world.investigations
    return f"GLAA-INV-{int(inv.opened_month[i]) // 12}-{int(inv.number[i]):04d}"


def _cover(month: int, style: Style) -> list[list[object]]:
    day = int(first_day(month))
    reporting: object = vals.date_of(day) if not style.text_cells else vals.date_of(day).isoformat()
    return [["GLAA monthly return"], [], ["Reporting month", reporting], ["Prepared by", PREPARED_BY]]


def _sheet(
    table: Table,
    rows: list[list[object]],
    style: Style,
    month: int,
    variant: Variant,
    rng: np.random.Generator,
) -> list[list[object]]:
    out: list[list[object]] = []
    if style.title_rows:
        out += [[f"GLAA {table.sheet} – {vals.date_of(int(first_day(month))):%B %Y}"], []]
    out.append([header(c.name, style) for c in table.columns])
    out.extend(rows)
    if style.total_rows and table is GLAA_INVESTIGATIONS and rows:
        total: list[object] = ["Total"]
        for k, col in enumerate(table.columns[1:], start=1):
            if col.type == ColumnType.INTEGER:
                total.append(sum(int(r[k]) for r in rows))
            elif col.type == ColumnType.MONEY:
                total.append(sum(_pounds(r[k]) for r in rows))
            else:
                total.append(None)
        if variant.totals_disagree:
            workers = table.columns.index(table.column("workers_identified"))
            total[workers] = sum(int(r[workers]) for r in rows) + int(rng.integers(1, 4))
        out.append(total)
    return out


def _date(day: int, style: Style) -> object:
    if day == NULL:
        return None
    date = vals.date_of(day)
    if style.text_cells:
        return date.strftime("%d/%m/%Y") if style.uk_dates else date.isoformat()
    return dt.datetime(date.year, date.month, date.day)


def _bool(value: bool, style: Style) -> object:
    return style.booleans[0 if value else 1] if style.text_cells else value


def _money(pence: int, style: Style) -> object:
    if pence == NULL:
        return None
    if style.money_text:
        return vals.money_text(pence)
    return round(pence / 100, 2)


def _pounds(value: object) -> float:
    if isinstance(value, str):
        return float(value.replace("£", "").replace(",", ""))
    return float(value) if isinstance(value, int | float) else 0.0
