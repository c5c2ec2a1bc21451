"""Log lines that say nothing about msdw, dropped where they are logged, so that a warning in a task's log is worth
reading and an error is an error.

Each entry names the logger and the start of the message, and why it means nothing here:

- Cosmos has no operator for an exposure (the dashboards that read the marts) or an operation (the on-run-start
  hook): neither is work for a task. It says so at every parse of ``build_warehouse``, for every such node.
- Cosmos asks, at every import, for the OpenLineage provider, which msdw does not use.
"""

from __future__ import annotations

import logging

KNOWN: dict[str, tuple[str, ...]] = {
    "cosmos.airflow.graph": (
        "Unavailable conversion function for <DbtResourceType.EXPOSURE>",
        "Unavailable conversion function for <DbtResourceType.OPERATION>",
    ),
    "cosmos.operators.local": ("To enable emitting Openlineage events",),
}


class _Known(logging.Filter):
    def __init__(self, starts: tuple[str, ...]) -> None:
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.starts)


def drop_known_noise() -> None:
    """Install the filters (once per process); call before importing Cosmos."""
    for name, starts in KNOWN.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Known) for f in logger.filters):
            logger.addFilter(_Known(starts))
