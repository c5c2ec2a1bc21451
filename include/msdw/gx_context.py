"""Great Expectations contexts shared by the return gate and the mart gate.

Validations run in an ephemeral context (datasources, suites and validation definitions held in memory, so parallel
tasks never rewrite each other's configuration) whose validation results store is the warehouse's GX file context
(``<warehouse>/gx``). Data Docs are built by that file context into ``<warehouse>/data_docs``, then made to load
their scripts and styles from the site itself (:mod:`msdw.data_docs`), so that they work without a network.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msdw.data_docs import localise_site
from msdw.errors import SetupError
from msdw.files import write_text_atomically
from msdw.warehouse import Warehouse

GX_LOGGERS = ("great_expectations",)


def quiet_gx_logging() -> None:
    """GX logs at INFO through structlog once Airflow is imported; keep only its warnings."""
    for name in GX_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


quiet_gx_logging()  # before GX is imported: it logs while registering its classes

# Every import of GX in msdw goes through this module, after its logger is quieted.
import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.core.batch_definition import BatchDefinition  # noqa: E402
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402
from great_expectations.data_context.types.base import (  # noqa: E402
    DataContextConfig,
    DataContextConfigDefaults,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier  # noqa: E402
from great_expectations.exceptions import DataContextError  # noqa: E402
from great_expectations.expectations.row_conditions import Column as RowColumn  # noqa: E402

__all__ = [
    "GxSetupError",
    "RowColumn",
    "RunIdentifier",
    "build_data_docs",
    "file_context",
    "gx",
    "gxe",
    "quiet_gx_logging",
    "run_on_frame",
    "validate_unkept",
    "validation_context",
    "validations_dir",
    "warehouse_context",
]

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext, FileDataContext

DOCS_SITE = "msdw_site"
WHOLE_FRAME = "whole_frame"
DOCS_RESULTS = 300  # the latest validation results rendered in Data Docs
RENDERED = ".rendered.json"  # in the Data Docs folder: the results and suites it holds
_MTIME_SLACK_NS = 2_000_000_000  # pages written since a build began, on file systems with coarse timestamps too


class GxSetupError(SetupError, RuntimeError):
    """Great Expectations could not be set up for a validation or for Data Docs."""


def validations_dir(gx_root: Path) -> Path:
    """Where the GX file context at ``gx_root`` keeps validation results."""
    return gx_root / DataContextConfigDefaults.DEFAULT_VALIDATIONS_STORE_BASE_DIRECTORY_RELATIVE_NAME.value


def validation_context(gx_root: Path | None = None) -> AbstractDataContext:
    """An ephemeral context for running validations.

    With ``gx_root`` (a warehouse's ``gx/`` folder), every validation result is also written to that file context's
    validation results store, where :func:`build_data_docs` finds it; without it, results stay in memory.
    """
    quiet_gx_logging()
    defaults = InMemoryStoreBackendDefaults()
    config = DataContextConfig(
        store_backend_defaults=defaults,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    if gx_root is not None:
        config.stores[defaults.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": os.fspath(validations_dir(gx_root.resolve())),
            },
        }
    return gx.get_context(project_config=config, mode="ephemeral")


def warehouse_context(warehouse: Warehouse) -> AbstractDataContext:
    """A validation context whose results are kept in ``warehouse``'s GX file context."""
    return validation_context(warehouse.gx)


def dataframe_batch_definition(context: AbstractDataContext, datasource: str, asset: str) -> BatchDefinition:
    """The whole-dataframe batch definition of a pandas dataframe asset, created on first use."""
    try:
        source = context.data_sources.get(datasource)
    except (KeyError, ValueError, DataContextError):
        source = context.data_sources.add_pandas(datasource)
    try:
        data_asset = source.get_asset(asset)
    except (LookupError, ValueError, DataContextError):
        data_asset = source.add_dataframe_asset(asset)
    try:
        return data_asset.get_batch_definition(WHOLE_FRAME)
    except (KeyError, ValueError, DataContextError):
        return data_asset.add_batch_definition_whole_dataframe(WHOLE_FRAME)


def validation_definition(
    context: AbstractDataContext, suite: ExpectationSuite, datasource: str, asset: str
) -> gx.ValidationDefinition:
    """The validation definition running ``suite`` over a dataframe asset, kept in ``context`` under the suite's name.

    A suite whose expectations changed since it was registered is replaced.
    """
    name = suite.name
    batch_definition = dataframe_batch_definition(context, datasource, asset)
    try:
        known = context.suites.get(name)
    except DataContextError:
        known = None
    if known is None or _expectation_configs(known) != _expectation_configs(suite):
        registered = context.suites.add_or_update(suite)
        with contextlib.suppress(DataContextError, ValueError, KeyError):
            context.validation_definitions.delete(name)
    else:
        registered = known
    try:
        return context.validation_definitions.get(name)
    except (DataContextError, ValueError, KeyError):
        return context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=registered)
        )


def _expectation_configs(suite: ExpectationSuite) -> list[dict[str, Any]]:
    return [e.configuration.to_json_dict() | {"id": None} for e in suite.expectations]


def run_on_frame(
    context: AbstractDataContext,
    suite: ExpectationSuite,
    datasource: str,
    asset: str,
    frame: Any,
    result_format: dict[str, Any],
    run_id: RunIdentifier | None = None,
) -> ExpectationSuiteValidationResult:
    """Validate ``frame`` (a pandas DataFrame) against ``suite``, once, keeping the result in ``context``'s store."""
    definition = validation_definition(context, suite, datasource, asset)
    return definition.run(batch_parameters={"dataframe": frame}, result_format=result_format, run_id=run_id)


def validate_unkept(
    context: AbstractDataContext,
    suite: ExpectationSuite,
    datasource: str,
    asset: str,
    frame: Any,
    result_format: dict[str, Any],
) -> ExpectationSuiteValidationResult:
    """Validate ``frame`` against ``suite`` through the asset's batch definition, without storing the result."""
    batch = dataframe_batch_definition(context, datasource, asset).get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(suite, result_format=result_format)


def file_context(warehouse: Warehouse) -> FileDataContext:
    """The warehouse's GX file context (``<warehouse>/gx``), its Data Docs site writing to ``warehouse.data_docs``."""
    quiet_gx_logging()
    warehouse.root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=warehouse.root)
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": os.path.relpath(warehouse.data_docs, warehouse.gx),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "validation_results_limit": DOCS_RESULTS},
        "site_section_builders": {"profiling": "None"},
    }
    if context.list_data_docs_sites() != {DOCS_SITE: site} or context.variables.analytics_enabled is not False:
        context.variables.data_docs_sites = {DOCS_SITE: site}
        context.variables.analytics_enabled = False
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.variables.save()
        context = gx.get_context(mode="file", project_root_dir=warehouse.root)
    return context


def build_data_docs(warehouse: Warehouse, suites: Iterable[ExpectationSuite] = ()) -> Path:
    """Render the latest :data:`DOCS_RESULTS` kept validation results, and ``suites``, into ``warehouse.data_docs``.

    Only what is not rendered yet is rendered (results kept since the last call, the suites when they changed), then
    the index: the site records what it holds in :data:`RENDERED`. Without that record or the index, everything is
    rendered again. Returns the index page.
    """
    context = file_context(warehouse)
    suites = list(suites)
    for suite in suites:
        context.suites.add_or_update(suite)
    index = warehouse.data_docs / "index.html"
    record = warehouse.data_docs / RENDERED
    keys = sorted(context.validation_results_store.list_keys(), key=lambda k: k.run_id.run_time, reverse=True)
    latest = {_key_text(k): k for k in keys[:DOCS_RESULTS]}
    suites_hash = _suites_hash(suites)
    done = _rendered(record) if index.is_file() else None
    started_ns = time.time_ns() - _MTIME_SLACK_NS
    try:
        if done is None:
            context.build_data_docs(site_names=[DOCS_SITE])
        else:
            todo: list[Any] = [key for text, key in latest.items() if text not in done["results"]]
            if done["suites"] != suites_hash:
                todo += [ExpectationSuiteIdentifier(name=s.name) for s in suites]
            if todo:
                context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=todo)
    except Exception as exc:
        raise GxSetupError(
            f"could not build Data Docs in {warehouse.data_docs}: {exc}; check that {warehouse.gx} is readable and "
            "remove any half-written result file named in the error"
        ) from exc
    if not index.is_file():
        raise GxSetupError(f"Data Docs were built but {index} is missing; check write access to {warehouse.data_docs}")
    site = warehouse.data_docs
    written = None if done is None else [p for p in site.rglob("*.html") if p.stat().st_mtime_ns >= started_ns]
    localise_site(site, written, cache_dir=warehouse.cache)
    write_text_atomically(record, json.dumps({"results": sorted(latest), "suites": suites_hash}))
    return index


def _suites_hash(suites: list[ExpectationSuite]) -> str:
    described = [{"name": s.name, "expectations": _expectation_configs(s)} for s in suites]
    text = json.dumps(sorted(described, key=lambda d: d["name"]), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _key_text(key: Any) -> str:
    return "/".join(str(part) for part in key.to_tuple())


def _rendered(record: Path) -> dict[str, Any] | None:
    """What the Data Docs site holds, as :func:`build_data_docs` recorded it; None when unknown."""
    try:
        done = json.loads(record.read_text(encoding="utf-8"))
        return {"results": set(done["results"]), "suites": str(done["suites"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None
