"""Where a DAG run finds its inbox and warehouse: one rule for every msdw DAG, under any scheduler.

Each layer overrides the one before it:

1. the environment of the Airflow components: ``MSDW_INBOX``, ``MSDW_WAREHOUSE`` (set by ``make airflow``, the
   compose file and ``msdw run``);
2. the Airflow Variables ``msdw_inbox`` and ``msdw_warehouse`` (the UI, the CLI, or ``AIRFLOW_VAR_MSDW_*``);
3. for a run started by Asset events (``build_warehouse``), the inbox and warehouse those events carry in their extra:
   the build works on the warehouse whose ingestion fired it, so two warehouses on one scheduler never cross;
4. the run's own ``conf`` (``inbox``, ``warehouse``), as given in a manual trigger or by ``msdw run``.

A run that ends with no warehouse at all fails with a :class:`ConfigurationError` rather than writing a folder
relative to wherever the worker happens to run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msdw.returns import MsdwError

KEYS = ("inbox", "warehouse")
ENVIRONMENT = {"inbox": "MSDW_INBOX", "warehouse": "MSDW_WAREHOUSE"}
VARIABLES = {"inbox": "msdw_inbox", "warehouse": "msdw_warehouse"}
INGEST_SCHEDULE_ENV = "MSDW_INGEST_SCHEDULE"
DEFAULT_INGEST_SCHEDULE = "*/10 * * * *"
"""How often the ingest DAGs look for new files in the inbox (a cron expression or an Airflow preset such as
``@hourly``), read by the DAG processor. A file dropped into the inbox is landed at the next tick."""


class ConfigurationError(MsdwError):
    """A DAG run could not tell which inbox or warehouse to use."""


@dataclass(frozen=True)
class Locations:
    """The inbox and warehouse of one DAG run, absolute, and the layer each came from."""

    warehouse: str
    inbox: str | None = None
    origin: dict[str, str] = field(default_factory=dict)

    def as_extra(self) -> dict[str, str]:
        """What an Asset event carries so that the run it starts uses these locations."""
        return {key: value for key, value in (("warehouse", self.warehouse), ("inbox", self.inbox)) if value}


def normalise(key: str, value: str) -> str:
    """An absolute, normalised path (``..`` and symbolic links resolved); an fsspec URL inbox is kept as it is."""
    if key == "inbox" and "://" in value:
        return value
    return os.fspath(Path(value).expanduser().resolve())


def ingest_schedule(environ: Mapping[str, str] = os.environ) -> str:
    """The ingest DAGs' schedule: ``MSDW_INGEST_SCHEDULE``, else :data:`DEFAULT_INGEST_SCHEDULE`."""
    return environ.get(INGEST_SCHEDULE_ENV, "").strip() or DEFAULT_INGEST_SCHEDULE


def resolve(
    conf: Mapping[str, Any] | None = None,
    events: Iterable[Mapping[str, Any]] = (),
    variable: Callable[[str], str | None] = lambda _name: None,
    environ: Mapping[str, str] = os.environ,
    *,
    need_inbox: bool = False,
) -> Locations:
    """The locations of a run from its ``conf``, the extras of the Asset ``events`` that started it, Airflow
    Variables (``variable(name)``) and the environment, each overriding the one before it (module docstring)."""
    found: dict[str, str] = {}
    origin: dict[str, str] = {}
    carried = [dict(extra or {}) for extra in events]
    for key in KEYS:
        layers: list[tuple[str, str | None]] = [
            (f"environment {ENVIRONMENT[key]}", environ.get(ENVIRONMENT[key])),
            (f"Airflow Variable {VARIABLES[key]}", variable(VARIABLES[key])),
        ]
        named = sorted({normalise(key, str(extra[key])) for extra in carried if extra.get(key)})
        if len(named) > 1:
            raise ConfigurationError(
                f"the Asset events that started this run name {len(named)} {key}s ({', '.join(named)}): trigger "
                f'build_warehouse by hand once for each, with conf {{"{key}": "..."}}'
            )
        layers.append(("the triggering Asset events", named[0] if named else None))
        layers.append(("the run's conf", (conf or {}).get(key)))
        for label, value in layers:
            if value:
                found[key], origin[key] = normalise(key, str(value)), label
    if "warehouse" not in found or (need_inbox and "inbox" not in found):
        missing = "warehouse" if "warehouse" not in found else "inbox"
        raise ConfigurationError(
            f"no {missing} is configured for this run: set {ENVIRONMENT[missing]} in the environment of the Airflow "
            f"components (make airflow and the compose file do), or the Airflow Variable {VARIABLES[missing]}, or "
            f'trigger the DAG with conf {{"{missing}": "/path"}}'
        )
    return Locations(found["warehouse"], found.get("inbox"), origin)


def _airflow_variable(name: str) -> str | None:
    from airflow.sdk import Variable

    return Variable.get(name, default=None)


def triggering_extras(context: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The extras of the Asset events that started the running task's DAG run (none for a manual run)."""
    return [event.extra for events in (context.get("triggering_asset_events") or {}).values() for event in events]


def from_context(context: Mapping[str, Any], *, need_inbox: bool = False) -> Locations:
    """The locations of the running task's DAG run (its params with the conf merged in, the Asset events that
    triggered it, Airflow Variables, the environment)."""
    return resolve(context.get("params") or {}, triggering_extras(context), _airflow_variable, need_inbox=need_inbox)
