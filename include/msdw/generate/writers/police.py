"""Police returns: the operations return and the victims return of one force or unit for one month."""

from __future__ import annotations

import numpy as np

from msdw.generate import values as vals
from msdw.generate.csvfile import csv_bytes
from msdw.generate.month_view import MonthView
from msdw.generate.months import first_day
from msdw.generate.operations import SUSPECT_NATIONALITIES
from msdw.generate.styles import Style
from msdw.generate.writers.common import (
    NULL,
    Context,
    Rendered,
    Variant,
    applicable,
    crime_reference,
    kept_rows,
    resaved,
    without,
)
from msdw.sources import codes
from msdw.sources.catalogue import POLICE_OPERATIONS, POLICE_VICTIMS

_SUSPECT_CODES = tuple(SUSPECT_NATIONALITIES)


def operations(ctx: Context, view: MonthView, unit: int, variant: Variant) -> Rendered:
    w, o = ctx.world, ctx.world.operations
    code = w.places.units[unit].code
    style = ctx.style(code, police=True)
    rng = ctx.rng("operations", code, view.month)
    ops = view.operations.get(unit, np.zeros(0, dtype=np.int64))
    ops = ops[kept_rows(len(ops), variant)]
    n, m = len(ops), view.month
    closing = o.last_month[ops] == m
    suspended = (o.suspended_from[ops] <= m) & (o.suspended_to[ops] >= m) & ~closing
    status = np.where(closing, 2, np.where(suspended, 1, 0))
    suspects = o.suspects_at(ops, m)
    charges = np.array([view.charges.get(int(op), 0) for op in ops.tolist()], dtype=np.int64)
    arrests = rng.poisson(w.model.operations.arrests_per_month, n) + charges
    columns = {
        "operation_ref": vals.texts(ctx.operation_refs(ops)),
        "force_code": vals.texts([code] * n),
        "lead_agency": vals.codes(codes.LEAD_AGENCIES, o.lead[ops]),
        "opened_date": vals.dates(o.opened_day[ops], style),
        "status": vals.codes(codes.OPERATION_STATUSES, status),
        "closed_date": vals.dates(np.where(closing, o.closed_day[ops], NULL), style),
        "primary_exploitation": vals.codes(codes.EXPLOITATION_TYPES, o.exploitation[ops]),
        "potential_victims": vals.integers(w.potential_victims(ops, m)),
        "suspects": vals.integers(suspects),
        "suspect_nationalities": _suspect_nationalities(ctx, ops, suspects, m, style, rng),
        "arrests": vals.integers(arrests),
        "charges": vals.integers(charges),
        "crime_reference": vals.texts(ctx.operation_crimes(ops)),
        "europol_check": vals.booleans(o.europol[ops], style),
        "jit": vals.booleans(o.jit[ops], style),
    }
    order = None
    applied = applicable(variant.malformed, n, {"force_code_mismatch": 1, "closed_without_date": 1})
    match applied:
        case "force_code_mismatch":
            other = w.places.units[(unit + 1) % len(w.places.units)].code
            columns["force_code"] = vals.texts([other] * n)
        case "closed_without_date":
            columns["status"] = vals.texts(["CLOSED"] * n)
            columns["closed_date"] = vals.texts([None] * n)
        case "missing_required_column":
            order = without(POLICE_OPERATIONS, style, "status")
    style = resaved(style, variant)
    return Rendered(csv_bytes(POLICE_OPERATIONS, columns, style, order), {POLICE_OPERATIONS.name: n}, [], applied)


def _suspect_nationalities(
    ctx: Context, ops: np.ndarray, suspects: np.ndarray, month: int, style: Style, rng: np.random.Generator
) -> vals.Column:
    o = ctx.world.operations
    first = np.where(o.suspect_nat2[ops] >= 0, np.ceil(suspects * o.suspect_share1[ops]), suspects).astype(int)
    second = suspects - first
    first = first + (o.mismatch_month[ops] == month)
    u = rng.random((2, len(ops)))
    words = [_SUSPECT_CODES[k] for k in o.suspect_nat1[ops].tolist()]
    others = [_SUSPECT_CODES[k] if k >= 0 else "" for k in o.suspect_nat2[ops].tolist()]
    for i in np.flatnonzero(u[0] < style.nationality_text).tolist():
        words[i] = vals.nationality_cell(words[i], style, 0.0, u[1, i])
        if others[i]:
            others[i] = vals.nationality_cell(others[i], style, 0.0, u[0, i])
    out: list[str | None] = [
        None if n1 + n2 == 0 else (f"{w1}:{n1};{w2}:{n2}" if w2 and n2 > 0 else f"{w1}:{n1}")
        for w1, w2, n1, n2 in zip(words, others, first.tolist(), second.tolist(), strict=True)
    ]
    return vals.texts(out)


def victims(ctx: Context, view: MonthView, unit: int, variant: Variant) -> Rendered:
    w, rec = ctx.world, ctx.world.police
    u = w.places.units[unit]
    style = ctx.style(u.code, police=True)
    rng = ctx.rng("victims", u.code, view.month)
    rows = view.victims.get(unit, np.zeros(0, dtype=np.int64))
    rows = rows[kept_rows(len(rows), variant)]
    n = len(rows)
    refs = [style.victim_ref.format(p=ctx.prefix[unit], n=k) for k in rec.number[rows].tolist()]
    ops = rec.operation[rows]
    op_refs = ctx.operation_refs(np.maximum(ops, 0)) if n else []
    given, family, dob, age = ctx.people(rec, rows, style)
    crime = rec.crime_number[rows]
    nrm = rec.nrm[rows]
    identified = rec.day[rows].copy()
    columns = {
        "victim_ref": vals.texts(refs),
        "operation_ref": vals.texts([r if op >= 0 else None for r, op in zip(op_refs, ops.tolist(), strict=True)]),
        "given_name": vals.texts(given),
        "family_name": vals.texts(family),
        "date_of_birth": vals.dates(dob, style),
        "age_estimate": vals.integers(age),
        "gender": vals.genders(codes.GENDERS, w.persons.gender[rec.person[rows]], style),
        "nationality": vals.nationalities(
            w.persons.nationality[rec.person[rows]], style, rng, ctx.faults.unknown_nationality
        ),
        "exploitation_type": vals.codes(codes.EXPLOITATION_TYPES, rec.exploitation[rows]),
        "identified_date": vals.dates(identified, style),
        "nrm_referred": vals.booleans(nrm, style),
        "nrm_referral_date": vals.dates(np.where(nrm, rec.nrm_day[rows], NULL), style),
        "dtn_submitted": vals.booleans(rec.dtn[rows], style),
        "crime_recorded": vals.booleans(crime >= 0, style),
        "crime_reference": vals.texts(
            [crime_reference(ctx.prefix[unit], c) if c >= 0 else None for c in crime.tolist()]
        ),
    }
    order = None
    applied = applicable(variant.malformed, n, {"identified_outside_month": 1, "duplicate_ref": 2})
    match applied:
        case "identified_outside_month":
            identified[0] = int(first_day(view.month)) - 3
            columns["identified_date"] = vals.dates(identified, style)
        case "duplicate_ref":
            refs[1] = refs[0]
            columns["victim_ref"] = vals.texts(refs)
        case "missing_required_column":
            order = without(POLICE_VICTIMS, style, "identified_date")
    style = resaved(style, variant)
    ids = [(f"POLICE:{u.code}:{r}", p) for r, p in zip(refs, rec.person[rows].tolist(), strict=True)]
    return Rendered(csv_bytes(POLICE_VICTIMS, columns, style, order), {POLICE_VICTIMS.name: n}, ids, applied)
