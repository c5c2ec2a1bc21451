"""Data Docs in headless Chromium with the network cut: the index lists every kept validation result and every suite,
styled, without asking the network for anything.

Cost: about 15 s on the 2-core machine (two mart gate runs over the fixture marts, each rendering Data Docs, then one
browser visit).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from msdw.quality import mart_gate
from msdw.quality.context import file_context
from msdw.quality.docs import CDN_ASSETS, GX_IMAGES, VEGA_SCRIPTS
from msdw.warehouse import Warehouse
from tests.report.browser import browser_page

pytestmark = pytest.mark.timeout(240)

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "test-artifacts" / "data_docs" / "index.png"
TIME_LIMIT = 90  # seconds for the whole visit, browser start included
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
SPOILED_TABLE = "mart_crime_recording"

OFFLINE_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves
    "--proxy-server=http://127.0.0.1:9",  # and every request goes to the discard port, where nothing listens
    "--proxy-bypass-list=<-loopback>",
)
PROBE = "https://code.jquery.com/jquery-3.7.1.min.js"  # what GX's unchanged pages load first

INDEX_STATE = """
(() => {
  const text = html => $('<div>').html(html).text().trim();
  const table = pane => document.querySelector(`#${pane} table[data-toggle="table"]`);
  const results = table('Validation-Results'), suites = table('Expectation-Suites');
  return {
    jquery: typeof window.jQuery,
    bootstrapTable: typeof (window.jQuery && jQuery.fn.bootstrapTable),
    navbarDisplay: getComputedStyle(document.querySelector('nav.navbar')).display,
    fontAwesome: document.fonts.check('900 16px "Font Awesome 6 Free"'),
    results: $(results).bootstrapTable('getData').map(row => ({
      suite: row._expectation_suite_name_sort,
      run_name: row.run_name,
      run_time: row._run_time_sort,
      status: row._validation_success_text,
    })),
    resultRows: results.querySelectorAll('tbody tr[data-index]').length,
    pageSize: $(results).bootstrapTable('getOptions').pageSize,
    suites: $(suites).bootstrapTable('getData').map(row => text(row.expectation_suite_name)),
    suiteRows: suites.querySelectorAll('tbody tr[data-index]').length,
  };
})()
"""

PROBE_SCRIPT = f"""
new Promise(resolve => {{
  const script = document.createElement('script');
  script.src = {PROBE!r};
  script.onload = () => resolve('loaded');
  script.onerror = () => resolve('failed');
  document.head.appendChild(script);
}})
"""


@dataclass
class Visit:
    index: dict
    requests: list[str]
    console_errors: list[str]
    probe: str
    probe_requests: list[str]


async def _visit(index: Path) -> Visit:
    async with browser_page(flags=OFFLINE_FLAGS) as page:
        await page.open(index.as_uri(), timeout=30)
        await page.wait_for(
            "document.querySelectorAll('.bootstrap-table').length", {2}, timeout=30
        )  # both tables drawn by bootstrap-table
        state = await page.evaluate(INDEX_STATE)
        await page.screenshot(SCREENSHOT)
        requests, errors = list(page.log.requests), list(page.log.console_errors)
        # The proof that the network is cut: the first file GX's own pages load cannot be fetched from this browser.
        probe = await page.send("Runtime.evaluate", {"expression": PROBE_SCRIPT, "awaitPromise": True})
        return Visit(dict(state or {}), requests, errors, probe["result"]["value"], page.log.requests[len(requests) :])


@dataclass
class Site:
    warehouse: Warehouse
    last_run: mart_gate.GateResult
    visit: Visit


@pytest.fixture(scope="module")
def site(marts_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A warehouse whose mart gate ran twice (the second run, over a spoiled copy, fails), then its Data Docs index
    visited offline."""
    root = tmp_path_factory.mktemp("data_docs")
    warehouse = Warehouse.at(root / "warehouse")
    assert mart_gate.check_marts(marts_db, warehouse).passed
    spoiled = shutil.copy(marts_db, root / "spoiled.duckdb")
    with duckdb.connect(spoiled) as con:
        con.execute(f"update {SPOILED_TABLE} set compliance_rate = 1.5 where compliance_rate = 1.0")
    last_run = mart_gate.check_marts(Path(spoiled), warehouse)
    index = warehouse.data_docs / "index.html"
    return Site(warehouse, last_run, asyncio.run(asyncio.wait_for(_visit(index), TIME_LIMIT)))


def test_the_network_is_cut(site: Site) -> None:
    assert site.visit.probe == "failed"
    assert site.visit.probe_requests == [PROBE]


def test_the_index_lists_every_result_and_suite_offline(site: Site) -> None:
    index, context = site.visit.index, file_context(site.warehouse)
    assert (index["jquery"], index["bootstrapTable"]) == ("function", "function")
    assert index["navbarDisplay"] == "flex"  # Bootstrap's styles apply
    assert index["fontAwesome"] is True
    kept = context.validation_results_store.list_keys()
    assert len(kept) == 2 * len(site.last_run.checked)
    listed = sorted((r["suite"], r["run_name"], round(r["run_time"], 3)) for r in index["results"])
    assert listed == sorted(
        (k.expectation_suite_identifier.name, k.run_id.run_name, round(k.run_id.run_time.timestamp(), 3)) for k in kept
    )
    assert index["resultRows"] == min(len(kept), int(index["pageSize"])) > 0
    assert sorted(index["suites"]) == sorted(s.name for s in context.suites.all())
    assert index["suiteRows"] > 0


def test_the_index_shows_the_last_run_and_its_failure(site: Site) -> None:
    last = max(r["run_time"] for r in site.visit.index["results"])
    shown = {r["suite"]: r["status"] for r in site.visit.index["results"] if r["run_time"] == last}
    assert len(shown) == len(site.last_run.checked)
    assert not site.last_run.passed
    assert shown[f"marts.{SPOILED_TABLE}"] == "Failed"
    assert {s for s, status in shown.items() if status == "Failed"} == {f"marts.{SPOILED_TABLE}"}


def test_no_request_leaves_for_the_network_and_no_console_error(site: Site) -> None:
    assert site.visit.requests, "the browser recorded no request at all"
    remote = [url for url in site.visit.requests if not url.startswith(LOCAL_SCHEMES)]
    assert remote == [], f"the index asked the network for {remote}"
    assert site.visit.console_errors == [], site.visit.console_errors


def test_no_page_of_the_site_names_a_cdn(site: Site) -> None:
    pages = sorted(site.warehouse.data_docs.rglob("*.html"))
    assert len(pages) > 2 * len(site.last_run.checked)
    cdn_hosts = {re.match(r"https?://[^/]+", url).group(0) for url in [*CDN_ASSETS, *VEGA_SCRIPTS, GX_IMAGES]}
    loaded = re.compile(r"""(?:<(?:script|link|img)\b[^>]*?\b(?:src|href)|\burl\()\s*=?\s*["']?https?://""", re.I)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not loaded.search(html), f"{page} loads something over the network"
        assert not [host for host in cdn_hosts if host in html], page
