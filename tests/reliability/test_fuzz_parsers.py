"""Fuzzing the parsers: whatever bytes arrive, the parser answers with its own errors, never with an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msdw.parse import Parser
from tests.fixtures import inbox as fx

PATHS = {
    "police/2018-02/E23000001.csv": fx.GOOD["police/2018-02/E23000001.csv"].encode("utf-8"),
    "police/2018-02/E23000001_victims.csv": fx.GOOD["police/2018-02/E23000001_victims.csv"],
    "cps/cps_msht_2018-02.csv": fx.GOOD["cps/cps_msht_2018-02.csv"].encode("utf-8"),
    "border_force/bf_referrals_2018-02.jsonl": fx.bf_lines("2018-02"),
    "glaa/GLAA_2018-02.xlsx": fx.glaa_workbook("2018-02"),
}
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser(b"fuzz-key-0123456789abcdef0123456789")


def _check(parser: Parser, path: str, content: bytes) -> None:
    result = parser.parse(path, content)
    assert result.errors or result.tables, "a return is either parsed or rejected with errors"
    for issue in result.errors:
        assert issue.file.startswith(path) and issue.message


@FUZZ
@given(path=st.sampled_from(sorted(PATHS)), data=st.data())
def test_mutated_returns(parser: Parser, path: str, data: st.DataObject) -> None:
    """Good returns with bytes flipped, cut, or spliced."""
    content = bytearray(PATHS[path])
    for _ in range(data.draw(st.integers(1, 8))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        where = data.draw(st.integers(0, max(len(content) - 1, 0)))
        if action == "flip" and content:
            content[where] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del content[where:]
        elif action == "insert":
            content[where:where] = data.draw(st.binary(min_size=1, max_size=20))
        elif content:
            del content[where : where + data.draw(st.integers(1, 50))]
    _check(parser, path, bytes(content))


@FUZZ
@given(path=st.sampled_from(sorted(PATHS)), content=st.binary(max_size=2000))
def test_random_bytes(parser: Parser, path: str, content: bytes) -> None:
    _check(parser, path, content)


@FUZZ
@given(
    path=st.sampled_from([p for p in sorted(PATHS) if p.endswith(".csv")]),
    rows=st.lists(st.lists(st.text(max_size=12), max_size=16), max_size=6),
)
def test_random_csv_cells(parser: Parser, path: str, rows: list[list[str]]) -> None:
    header = PATHS[path].decode("utf-8", "replace").splitlines()[0]
    body = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows)
    _check(parser, path, (header + "\n" + body + "\n").encode("utf-8"))
