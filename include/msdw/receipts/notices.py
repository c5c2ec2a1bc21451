"""Notices for returns MISSING past their due date, from the return status the rest of msdw reads (``msdw.status``)."""

from __future__ import annotations

import datetime as dt

from msdw.monitor import deadline
from msdw.receipts.model import Notice


def missing_notices(status_rows: list[tuple], now: dt.datetime, source: str | None = None) -> list[Notice]:
    """A notice for each MISSING return (``msdw.status.return_status`` rows) whose deadline has passed by ``now``."""
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    notices = []
    for month, src, submitter, part, status, *_ in status_rows:
        if status != "MISSING" or (source is not None and src != source):
            continue
        month = month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month))
        due = deadline(month)
        if due > now:
            continue
        last_day = (due - dt.timedelta(days=1)).date()
        notices.append(
            Notice(
                src,
                submitter,
                f"{month:%Y-%m}",
                part,
                last_day.isoformat(),
                message=f"The {src} {part} return for {month:%Y-%m} was due by {last_day:%Y-%m-%d} and has not "
                "been received.",
            )
        )
    return notices
