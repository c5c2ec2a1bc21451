"""The CPS return of one month: defendants in modern slavery flagged cases finalised in the month."""

from __future__ import annotations

import numpy as np

from msdw.generate import values as vals
from msdw.generate.csvfile import csv_bytes
from msdw.generate.month_view import MonthView
from msdw.generate.months import first_day
from msdw.generate.writers.common import NULL, Context, Rendered, Variant, applicable, kept_rows, resaved, without
from msdw.sources import codes
from msdw.sources.catalogue import CPS_DEFENDANTS


def defendants(ctx: Context, view: MonthView, variant: Variant) -> Rendered:
    w, d = ctx.world, ctx.world.defendants
    style = ctx.style("CPS")
    rows = view.defendants[kept_rows(len(view.defendants), variant)]
    n = len(rows)
    units = w.places.units
    ops = d.operation[rows]
    named = d.operation_named[rows] & (ops >= 0)
    op_refs = ctx.operation_refs(np.maximum(ops, 0)) if n else []
    finalised = d.finalised_day[rows].copy()
    urns = [
        f"{a:02d}{ctx.prefix[u][:2]}{c:05d}{y % 100:02d}"
        for a, u, c, y in zip(
            d.area[rows].tolist(),
            d.unit[rows].tolist(),
            d.case[rows].tolist(),
            d.charged_year[rows].tolist(),
            strict=True,
        )
    ]
    columns = {
        "case_urn": vals.texts(urns),
        "defendant_ref": vals.texts([f"D{t:08X}" for t in d.token[rows].tolist()]),
        "cps_area": vals.integers(d.area[rows]),
        "police_force_code": vals.texts([units[u].code for u in d.unit[rows].tolist()]),
        "operation_ref": vals.texts([r if k else None for r, k in zip(op_refs, named.tolist(), strict=True)]),
        "principal_offence": vals.codes(codes.PRINCIPAL_OFFENCES, d.offence[rows]),
        "charged_date": vals.dates(d.charged_day[rows], style),
        "finalised_date": vals.dates(finalised, style),
        "outcome": vals.codes(codes.CPS_OUTCOMES, d.outcome[rows]),
        "custodial_sentence_months": vals.integers(
            np.where(d.custodial_months[rows] >= 0, d.custodial_months[rows], NULL)
        ),
        "victims_in_case": vals.integers(d.victims[rows]),
        "stpo_made": vals.booleans(d.stpo[rows], style),
        "confiscation_order_gbp": vals.money(
            np.where(d.confiscation_pence[rows] >= 0, d.confiscation_pence[rows], NULL), style
        ),
    }
    order = None
    applied = applicable(variant.malformed, n, {"finalised_outside_month": 1})
    if applied == "finalised_outside_month":
        finalised[0] = int(first_day(view.month + 1)) + 2
        columns["finalised_date"] = vals.dates(finalised, style)
    elif applied == "missing_required_column":
        order = without(CPS_DEFENDANTS, style, "case_urn")
    style = resaved(style, variant)
    return Rendered(csv_bytes(CPS_DEFENDANTS, columns, style, order), {CPS_DEFENDANTS.name: n}, [], applied)
