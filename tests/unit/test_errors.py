"""msdw's own errors reach the user as one line with what to do and warehouse.md's exit code; bugs keep their
traceback."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from msdw.errors import EXIT_USAGE, MsdwError, PublishFailed, SetupError, ToolMissing
from msdw.publish import PublishError
from msdw.quality.mart_gate import GateError
from msdw.reference import ReferenceDataError
from msdw.returns import ReturnRejected


def _msdw(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "msdw.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_the_project_errors_form_one_hierarchy() -> None:
    for error in (ReturnRejected, SetupError, PublishFailed, ReferenceDataError, PublishError, GateError):
        assert issubclass(error, MsdwError), error
    assert issubclass(ReferenceDataError, SetupError)
    assert ReferenceDataError("x").exit_code == EXIT_USAGE


PACKAGE = Path(__file__).resolve().parents[2] / "include" / "msdw"
# Raised and caught inside msdw, never shown to a user: a reader's failure becomes an error of the return; a frame the
# parser hands to the return gate without the columns it needs is a bug, which keeps its traceback.
INTERNAL = {"msdw.parse.readers.ParseFailure", "msdw.quality.failures.FrameMismatch"}


def exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in a module of the package, by its dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
        if not names:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        for name in names:
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, BaseException):
                found[f"{module.__name__}.{name}"] = cls
    return found


def test_every_error_a_user_can_see_is_an_msdw_error() -> None:
    classes = exception_classes()
    assert {"msdw.quality.docs.DataDocsAssetsError", "msdw.transform.DbtFailed"} <= set(classes)
    outside = {name for name, cls in classes.items() if not issubclass(cls, MsdwError)}
    assert outside == INTERNAL
    assert issubclass(ToolMissing, FileNotFoundError)  # callers that catch OSError still do
    assert ToolMissing("x").exit_code == EXIT_USAGE


def test_a_missing_inbox_is_one_line_with_what_to_do_and_exit_2(tmp_path: Path) -> None:
    result = _msdw("run", "--inbox", os.fspath(tmp_path / "nowhere"), "--warehouse", os.fspath(tmp_path / "w"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("msdw: error: inbox ")
    assert "msdw generate" in result.stderr


def test_missing_reference_data_is_a_set_up_error_without_traceback(tmp_path: Path) -> None:
    result = _msdw(
        "generate",
        "--inbox",
        os.fspath(tmp_path / "inbox"),
        "--start",
        "2019-01",
        "--end",
        "2019-01",
        "--scale",
        "0.01",
        "--no-progress",
        env={"MSDW_SEEDS_DIR": os.fspath(tmp_path)},
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "MSDW_SEEDS_DIR" in result.stderr


def test_an_unexpected_exception_keeps_its_traceback(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    duckdb.connect(os.fspath(warehouse / "ledger.duckdb")).close()
    (warehouse / "publish.json").write_text("{ not JSON")  # a bug's kind of failure: nothing of ours explains it
    result = _msdw("status", "--warehouse", os.fspath(warehouse))
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "msdw: error:" not in result.stderr
