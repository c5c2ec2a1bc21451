"""Great Expectations contexts shared by the return gate and the mart gate.

Validations run in an ephemeral context (datasources, suites and validation definitions held in memory, so parallel
tasks never rewrite each other's configuration) whose validation results store is the warehouse's GX file context
(``<warehouse>/gx``). Data Docs are built by that file context (:mod:`msdw.quality.docs`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msdw.errors import SetupError
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
    "ExpectationSuiteIdentifier",
    "GxSetupError",
    "RowColumn",
    "RunIdentifier",
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
    if known is None or expectation_configs(known) != expectation_configs(suite):
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


def expectation_configs(suite: ExpectationSuite) -> list[dict[str, Any]]:
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
