"""The Superset dashboard bundle: built from dashboard.yml and the marts' dbt contracts, consistent, and every chart's
query runs against tables with the contract's columns and types."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml
from packaging.requirements import Requirement

from msdw.publish import PUBLISHED_TABLES
from tests.deploy.conftest import REPO, load_script

bundle = load_script("deploy/superset/bundle.py")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    output = tmp_path_factory.mktemp("superset") / "msdw.zip"
    assert bundle.main(["--output", str(output), "--uri", "duckdb:////w/marts.duckdb?access_mode=READ_ONLY"]) == 0
    with zipfile.ZipFile(output) as archive:
        return {name: yaml.safe_load(archive.read(name)) for name in archive.namelist()}


def by_kind(files: dict[str, dict], kind: str) -> list[dict]:
    return [data for name, data in files.items() if f"/{kind}/" in name]


def test_bundle_has_metadata_database_datasets_charts_dashboard(files: dict[str, dict]) -> None:
    assert files[f"{bundle.ROOT}/metadata.yaml"]["type"] == "Dashboard"
    (database,) = by_kind(files, "databases")
    assert database["sqlalchemy_uri"].endswith("access_mode=READ_ONLY")
    assert database["allow_dml"] is False
    spec = yaml.safe_load((REPO / "deploy" / "superset" / "dashboard.yml").read_text())
    assert len(by_kind(files, "charts")) == len(spec["charts"])
    assert {d["table_name"] for d in by_kind(files, "datasets")} <= set(PUBLISHED_TABLES)


def test_references_between_files_resolve(files: dict[str, dict]) -> None:
    (database,) = by_kind(files, "databases")
    datasets = {d["uuid"]: d for d in by_kind(files, "datasets")}
    charts = {c["uuid"]: c for c in by_kind(files, "charts")}
    assert all(d["database_uuid"] == database["uuid"] for d in datasets.values())
    assert all(c["dataset_uuid"] in datasets for c in charts.values())
    (dashboard,) = by_kind(files, "dashboards")
    placed = {
        v["meta"]["uuid"] for v in dashboard["position"].values() if isinstance(v, dict) and v.get("type") == "CHART"
    }
    assert placed == set(charts)


def test_every_chart_query_runs_on_the_contract_tables(files: dict[str, dict]) -> None:
    con = duckdb.connect()
    datasets = {d["uuid"]: d for d in by_kind(files, "datasets")}
    for dataset in datasets.values():
        columns = ", ".join(f'"{c["column_name"]}" {c["type"]}' for c in dataset["columns"])
        con.execute(f'create table "{dataset["table_name"]}" ({columns})')
    for chart in by_kind(files, "charts"):
        table = datasets[chart["dataset_uuid"]]["table_name"]
        params = chart["params"]
        if params["viz_type"] == "table":
            sql = f'select {", ".join(params["all_columns"])} from "{table}"'
        else:
            keys = [params["x_axis"], *params["groupby"]]
            metrics = ", ".join(m["sqlExpression"] for m in params["metrics"])
            sql = f'select {", ".join(keys)}, {metrics} from "{table}" group by all'
        con.execute(sql).fetchall()


def test_a_chart_on_an_unknown_column_is_refused() -> None:
    contracts = bundle.load_contracts(bundle.DEFAULT_MODELS)
    chart = {"name": "broken", "table": "mart_monthly_summary", "viz": "table", "columns": ["month", "no_such"]}
    with pytest.raises(bundle.BundleError, match="no_such"):
        bundle.check_chart(chart, contracts["mart_monthly_summary"])


def test_uuids_are_stable_between_builds(tmp_path: Path, files: dict[str, dict]) -> None:
    again = tmp_path / "again.zip"
    bundle.main(["--output", str(again), "--uri", "duckdb:////w/marts.duckdb?access_mode=READ_ONLY"])
    with zipfile.ZipFile(again) as archive:
        assert {name: yaml.safe_load(archive.read(name)) for name in archive.namelist()} == files


def test_year_axes_are_categorical_and_month_axes_temporal(files: dict[str, dict]) -> None:
    charts = {c["slice_name"]: c["params"] for c in by_kind(files, "charts")}
    for name in ("Operations by year opened, prosecuted and convicted", "CPS outcomes by year"):
        assert charts[name]["xAxisForceCategorical"] is True, name
        assert "time_grain_sqla" not in charts[name], name
    monthly = charts["Victims identified by month and agency"]
    assert monthly["time_grain_sqla"] == "P1M"
    assert "xAxisForceCategorical" not in monthly


def test_every_chart_saves_the_query_of_its_params(files: dict[str, dict]) -> None:
    for chart in by_kind(files, "charts"):
        context = json.loads(chart["query_context"])
        assert context["form_data"] == chart["params"]
        (query,) = context["queries"]
        params = chart["params"]
        if params["viz_type"] == "table":
            assert query["columns"] == params["all_columns"]
            continue
        axis, *series = query["columns"]
        assert axis["sqlExpression"] == params["x_axis"] and axis["columnType"] == "BASE_AXIS"
        assert ("timeGrain" in axis) == ("time_grain_sqla" in params)
        assert series == params["groupby"] == query["series_columns"]
        assert query["metrics"] == params["metrics"]


def pins(lock: Path) -> dict[str, str]:
    lines = lock.read_text(encoding="utf-8").splitlines()
    return {name.lower(): version for name, _, version in (line.partition("==") for line in lines) if version}


def test_superset_lock_has_the_pins_a_working_install_needs() -> None:
    superset = REPO / "deploy" / "superset"
    locked = pins(superset / "requirements.lock")
    for line in (superset / "requirements.in").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            assert requirement.specifier.contains(locked[requirement.name.lower()]), f"compile {line} again"
    assert locked["apache-superset"].startswith("5.0.")
    assert locked["marshmallow"].startswith("3.")  # Superset 5.0 fails on marshmallow 4
    assert locked["duckdb-engine"].startswith("0.17.")
    assert locked["duckdb"] == pins(REPO / "requirements.lock")["duckdb"]  # reads what the project publishes
    dockerfile = (superset / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY requirements.lock" in dockerfile and "-r /tmp/requirements.lock" in dockerfile
