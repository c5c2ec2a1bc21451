"""The Border Force return of one month: one JSON object a line, nested as the source description says."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from msdw.generate import people as pp
from msdw.generate import values as vals
from msdw.generate.month_view import MonthView
from msdw.generate.months import first_day
from msdw.generate.writers.common import NULL, Context, Rendered, Variant, kept_rows
from msdw.sources import codes
from msdw.sources.catalogue import BORDER_FORCE_REFERRALS
from msdw.sources.spec import Table


def referrals(ctx: Context, view: MonthView, variant: Variant) -> Rendered:
    w, rec = ctx.world, ctx.world.border
    style = ctx.style("BF")
    rng = ctx.rng("border_force", view.month)
    rows = view.border[kept_rows(len(view.border), variant)]
    given, family, dob, _ = ctx.people(rec, rows, style)
    nat_u = rng.random((3, len(rows)))
    lines, ids = [], []
    ages = pp.age_at(w.persons.dob_day[rec.person[rows]], rec.day[rows]) if len(rows) else np.zeros(0)
    for k, i in enumerate(rows.tolist()):
        year = int(rec.month[i]) // 12
        ref = f"BF-{year}-{int(rec.number[i]):06d}"
        p = int(rec.person[i])
        ids.append((f"BORDER_FORCE:BF:{ref}", p))
        gender = codes.GENDERS[w.persons.gender[p]]
        when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=int(rec.day[i]), seconds=int(rec.seconds[i]))
        indicators = [t for b, t in enumerate(codes.EXPLOITATION_TYPES) if int(rec.indicators[i]) >> b & 1]
        nrm = bool(rec.nrm[i])
        nationality = str(w.persons.nationality[p])
        if nat_u[2, k] < ctx.faults.unknown_nationality:
            nationality_text = vals.UNRECOGNISED[k % len(vals.UNRECOGNISED)]
        else:
            nationality_text = vals.nationality_cell(nationality, style, nat_u[0, k], nat_u[1, k])
        values = {
            "referral_id": ref,
            "port": w.places.ports[int(rec.port[i])],
            "encountered_at": _timestamp(when, style.local_times),
            "given_name": given[k],
            "family_name": family[k],
            "date_of_birth": None if dob[k] == NULL else vals.date_of(int(dob[k])).isoformat(),
            "gender": gender[0] if style.short_gender and gender in ("MALE", "FEMALE") else gender,
            "nationality": nationality_text,
            "is_child": bool(ages[k] < 18),
            "exploitation_indicators": indicators,
            "nrm_referred": nrm,
            "nrm_referral_date": vals.date_of(int(rec.nrm_day[i])).isoformat() if nrm else None,
            "safeguarding_referral": bool(rec.safeguarding[i]),
            "suspect_detained": bool(rec.detained[i]),
        }
        if variant.malformed == "encountered_outside_month" and k == 0:
            values["encountered_at"] = _timestamp(
                when - dt.timedelta(days=int(rec.day[i] - first_day(view.month)) + 2), False
            )
        lines.append(json.dumps(_nest(BORDER_FORCE_REFERRALS, values), ensure_ascii=False))
    if variant.malformed == "invalid_json" and lines:
        lines[-1] = lines[-1][: len(lines[-1]) // 2]
    newline = "\r\n" if variant.resaved else "\n"
    content = (newline.join(lines) + newline).encode("utf-8") if lines else b""
    return Rendered(content, {BORDER_FORCE_REFERRALS.name: len(lines)}, ids, variant.malformed)


def _timestamp(when: dt.datetime, local: bool) -> str:
    if not local:
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    offset = 1 if _british_summer_time(when) else 0
    local_time = when + dt.timedelta(hours=offset)
    return local_time.strftime("%Y-%m-%dT%H:%M:%S") + f"+0{offset}:00"


def _british_summer_time(when: dt.datetime) -> bool:
    def last_sunday(year: int, month: int) -> dt.datetime:
        day = dt.datetime(year, month, 31, 1, tzinfo=dt.UTC)
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)

    return last_sunday(when.year, 3) <= when < last_sunday(when.year, 10)


def _nest(table: Table, values: dict[str, object]) -> dict[str, object]:
    """A JSON object with each column at its ``json_path``, in the table's column order."""
    out: dict[str, object] = {}
    for col in table.columns:
        target = out
        parts = (col.json_path or col.name).split(".")
        for part in parts[:-1]:
            inner = target.setdefault(part, {})
            assert isinstance(inner, dict)
            target = inner
        target[parts[-1]] = values[col.name]
    return out
