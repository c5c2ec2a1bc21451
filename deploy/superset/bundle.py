"""Build a Superset import bundle (ZIP, format v1) of the msdw dashboard from ``dashboard.yml`` and the dbt contracts.

    python bundle.py --output msdw.zip [--source DIR] [--models _marts__models.yml] [--uri duckdb:///...]

Datasets take their columns and types from the marts' dbt model YAML, so the dashboard follows the published
contract. UUIDs are derived from names, so importing again updates the same database, datasets, charts and dashboard.
Needs only PyYAML (present in Superset's image).
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_MODELS = HERE.parents[1] / "dbt_project" / "models" / "marts" / "_marts__models.yml"
DEFAULT_URI = "duckdb:////warehouse/marts.duckdb?access_mode=READ_ONLY"
NAMESPACE = uuid.UUID("6f1d7c2e-4b0a-5e8f-9a63-2d5b1c0e7a41")
ROOT = "msdw_dashboard"
TEMPORAL = ("date", "timestamp")
METRIC = re.compile(r"\b([a-z_][a-z0-9_]*)\b")
SQL_WORDS = {"sum", "count", "avg", "min", "max", "nullif", "coalesce", "distinct", "case", "when", "then", "else"}
SQL_WORDS |= {"end", "and", "or", "not", "null", "as", "cast", "double"}


class BundleError(Exception):
    """The dashboard description does not fit the marts' contract; the message names the chart and column."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str


def stable_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def load_contracts(models_yml: Path) -> dict[str, list[Column]]:
    """Columns and types of every mart model documented in the dbt YAML."""
    models = yaml.safe_load(models_yml.read_text(encoding="utf-8")).get("models", [])
    return {
        model["name"]: [Column(c["name"], str(c.get("data_type", "varchar")).lower()) for c in model.get("columns", [])]
        for model in models
    }


def metric_columns(expression: str) -> set[str]:
    return {word for word in METRIC.findall(expression.lower()) if word not in SQL_WORDS}


def check_chart(chart: dict[str, Any], columns: list[Column]) -> None:
    names = {c.name for c in columns}
    used = set(chart.get("columns", [])) | set(chart.get("groupby", []))
    if chart.get("x"):
        used.add(chart["x"])
    for expression in chart.get("metrics", {}).values():
        used |= metric_columns(expression)
    unknown = sorted(used - names)
    if unknown:
        raise BundleError(f"chart {chart['name']!r}: {chart['table']} has no column {', '.join(unknown)}")


def database_yaml(name: str, uri: str) -> dict[str, Any]:
    return {
        "database_name": name,
        "sqlalchemy_uri": uri,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "extra": {"allows_virtual_table_explore": True},
        "uuid": stable_uuid("database", name),
        "version": "1.0.0",
    }


def dataset_yaml(table: str, columns: list[Column], database: str) -> dict[str, Any]:
    temporal = [c.name for c in columns if c.type.startswith(TEMPORAL)]
    return {
        "table_name": table,
        "main_dttm_col": temporal[0] if temporal else None,
        "description": None,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": "main",
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "uuid": stable_uuid("dataset", table),
        "metrics": [
            {
                "metric_name": "count",
                "verbose_name": "rows",
                "metric_type": "count",
                "expression": "COUNT(*)",
                "description": None,
                "d3format": None,
                "extra": None,
                "warning_text": None,
            }
        ],
        "columns": [
            {
                "column_name": c.name,
                "verbose_name": None,
                "is_dttm": c.type.startswith(TEMPORAL),
                "is_active": True,
                "type": c.type.upper(),
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": None,
                "python_date_format": None,
                "extra": None,
            }
            for c in columns
        ],
        "version": "1.0.0",
        "database_uuid": stable_uuid("database", database),
    }


def chart_params(chart: dict[str, Any], columns: list[Column]) -> dict[str, Any]:
    """The chart's form data, as Superset's explore view saves it.

    A time-series chart over a column that is not a date (a year as an integer, a financial year as text) gets a
    categorical x axis: one bar per value, labelled as it is stored. Otherwise Superset 5.0 puts integer years on a
    continuous value axis (ticks at 2016.5, the first bar cut off). The month time grain applies to dates only.
    """
    params: dict[str, Any] = {"viz_type": chart["viz"], "adhoc_filters": [], "row_limit": 10000}
    if chart["viz"] == "table":
        params.update({"query_mode": "raw", "all_columns": list(chart["columns"]), "order_by_cols": []})
        return params
    types = {c.name: c.type for c in columns}
    temporal = types[chart["x"]].startswith(TEMPORAL)
    params.update(
        {
            "x_axis": chart["x"],
            "metrics": [
                {"expressionType": "SQL", "sqlExpression": expression, "label": label}
                for label, expression in chart["metrics"].items()
            ],
            "groupby": list(chart.get("groupby", [])),
            "show_legend": True,
        }
    )
    if temporal:
        params["time_grain_sqla"] = "P1M"
    else:
        params["xAxisForceCategorical"] = True
    return params


def query_context(params: dict[str, Any]) -> dict[str, Any]:
    """The query Superset runs for the chart, saved with it: the chart data API (``GET /api/v1/chart/{id}/data/``),
    alerts, reports and thumbnails need it. The same query the explore view builds from ``params``; the import puts
    in the dataset's id."""
    query: dict[str, Any] = {
        "filters": [],
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "annotation_layers": [],
        "row_limit": params["row_limit"],
        "series_limit": 0,
        "order_desc": True,
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
        "time_offsets": [],
    }
    if params["viz_type"] == "table":
        query.update({"columns": params["all_columns"], "orderby": [], "post_processing": []})
    else:
        x = params["x_axis"]
        axis: dict[str, Any] = {"columnType": "BASE_AXIS", "sqlExpression": x, "label": x, "expressionType": "SQL"}
        if "time_grain_sqla" in params:
            axis["timeGrain"] = params["time_grain_sqla"]
            query["extras"]["time_grain_sqla"] = params["time_grain_sqla"]
        labels = [m["label"] for m in params["metrics"]]
        # One metric split by a dimension: the series are named by the dimension's values alone.
        rename = [{"operation": "rename", "options": {"columns": {labels[0]: None}, "level": 0, "inplace": True}}]
        query.update(
            {
                "columns": [axis, *params["groupby"]],
                "metrics": params["metrics"],
                "orderby": [[params["metrics"][0], False]],
                "series_columns": params["groupby"],
                "post_processing": [
                    {
                        "operation": "pivot",
                        "options": {
                            "index": [x],
                            "columns": params["groupby"],
                            "aggregates": {label: {"operator": "mean"} for label in labels},
                            "drop_missing_columns": False,
                        },
                    },
                    *(rename if len(labels) == 1 and params["groupby"] else []),
                    {"operation": "flatten"},
                ],
            }
        )
    return {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }


def chart_yaml(chart: dict[str, Any], columns: list[Column]) -> dict[str, Any]:
    params = chart_params(chart, columns)
    return {
        "slice_name": chart["name"],
        "description": None,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart["viz"],
        "params": params,
        "query_context": json.dumps(query_context(params)),
        "cache_timeout": None,
        "uuid": stable_uuid("chart", chart["name"]),
        "version": "1.0.0",
        "dataset_uuid": stable_uuid("dataset", chart["table"]),
    }


def dashboard_yaml(spec: dict[str, Any]) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": spec["title"]}},
    }
    charts = spec["charts"]
    for row_index in range(0, len(charts), 2):
        row_id = f"ROW-{row_index // 2 + 1}"
        position["GRID_ID"]["children"].append(row_id)
        row = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for offset, chart in enumerate(charts[row_index : row_index + 2]):
            chart_id = f"CHART-{row_index + offset + 1}"
            row["children"].append(chart_id)
            position[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": 6,
                    "height": 50,
                    "chartId": row_index + offset + 1,
                    "uuid": stable_uuid("chart", chart["name"]),
                    "sliceName": chart["name"],
                },
            }
        position[row_id] = row
    return {
        "dashboard_title": spec["title"],
        "description": None,
        "css": "",
        "slug": spec.get("slug"),
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": stable_uuid("dashboard", spec["title"]),
        "position": position,
        "metadata": {"color_scheme": "supersetColors", "refresh_frequency": 0, "native_filter_configuration": []},
        "version": "1.0.0",
    }


def bundle_files(spec: dict[str, Any], contracts: dict[str, list[Column]], uri: str) -> dict[str, dict[str, Any]]:
    """Every file of the bundle, by path inside the ZIP, as data."""
    database = spec["database"]
    files: dict[str, dict[str, Any]] = {
        f"{ROOT}/metadata.yaml": {"version": "1.0.0", "type": "Dashboard", "timestamp": "2024-01-01T00:00:00+00:00"},
        f"{ROOT}/databases/msdw_marts.yaml": database_yaml(database, uri),
        f"{ROOT}/dashboards/{spec.get('slug', 'msdw')}.yaml": dashboard_yaml(spec),
    }
    for index, chart in enumerate(spec["charts"], start=1):
        if chart["table"] not in contracts:
            raise BundleError(f"chart {chart['name']!r}: no mart {chart['table']!r} in the dbt contracts")
        check_chart(chart, contracts[chart["table"]])
        files[f"{ROOT}/datasets/msdw_marts/{chart['table']}.yaml"] = dataset_yaml(
            chart["table"], contracts[chart["table"]], database
        )
        slug = re.sub(r"[^a-z0-9]+", "_", chart["name"].lower()).strip("_")
        files[f"{ROOT}/charts/{slug}_{index}.yaml"] = chart_yaml(chart, contracts[chart["table"]])
    return files


def write_bundle(files: dict[str, dict[str, Any]], output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            archive.writestr(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=HERE, help="folder with dashboard.yml")
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS, help="the marts' dbt model YAML")
    parser.add_argument("--uri", default=DEFAULT_URI, help="SQLAlchemy URI of marts.duckdb, read-only")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    spec = yaml.safe_load((args.source / "dashboard.yml").read_text(encoding="utf-8"))
    try:
        files = bundle_files(spec, load_contracts(args.models), args.uri)
    except BundleError as exc:
        parser.exit(1, f"error: {exc}\n")
    write_bundle(files, args.output)
    print(json.dumps({"bundle": str(args.output), "files": len(files)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
