"""The report in headless Chromium: it loads offline with no console errors and every chart draws."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from msdw.report.render import CHARTS
from tests.report.browser import browser_page

pytestmark = pytest.mark.timeout(240)

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "test-artifacts" / "report" / "index.png"
TIME_LIMIT = 90  # seconds for the whole visit, browser start included

CHART_STATE = """
[...document.querySelectorAll('[data-chart]')].map(element => ({
  key: element.dataset.chart,
  svgs: element.querySelectorAll('svg').length,
  marks: element.querySelectorAll('svg g.role-mark > path, svg g.role-mark > text, svg g.role-mark > line').length,
  width: element.getBoundingClientRect().width,
  height: element.getBoundingClientRect().height,
}))
"""


AXIS_LABELS = """
[...document.querySelectorAll('[data-chart] svg g.role-axis-label')].map(axis => ({
  chart: axis.closest('[data-chart]').dataset.chart,
  labels: [...axis.querySelectorAll('text')].map(text => text.textContent).filter(label => label !== ''),
}))
"""


SORT_BY_MISSING = """
(() => {
  const table = document.querySelector('table[data-table="quality-by-force"]');
  const order = () => [...table.tBodies[0].rows].map(row => row.cells[1].textContent.trim());
  const before = order();
  const heading = table.querySelector('th[data-key="missing"]');
  heading.click();
  const ascending = order();
  heading.click();
  return {before: before, ascending: ascending, descending: order(), sorted: heading.dataset.sorted};
})()
"""


@dataclass
class Visit:
    state: str
    charts: list[dict]
    axes: list[dict]
    console_errors: list[str]
    requests: list[str]
    sorting: dict


async def _visit(page_path: Path) -> Visit:
    async with browser_page() as page:
        await page.open(page_path.as_uri(), timeout=30)
        state = await page.wait_for("document.documentElement.dataset.charts", {"drawn", "failed"}, timeout=45)
        charts = await page.evaluate(CHART_STATE)
        axes = await page.evaluate(AXIS_LABELS)
        await page.screenshot(SCREENSHOT)
        sorting = await page.evaluate(SORT_BY_MISSING)
        return Visit(
            str(state), list(charts or []), list(axes or []), page.log.console_errors, page.log.requests, sorting
        )


@pytest.fixture(scope="module")
def visit(report_page: Path) -> Visit:
    return asyncio.run(asyncio.wait_for(_visit(report_page), TIME_LIMIT))


def test_report_draws_every_chart_offline_without_console_errors(visit: Visit) -> None:
    assert visit.console_errors == [], f"console errors: {visit.console_errors}"
    assert visit.state == "drawn"
    assert [c["key"] for c in visit.charts] == [chart.key for chart in CHARTS]
    for chart in visit.charts:
        assert chart["svgs"] >= 1, f"chart {chart['key']} has no <svg>"
        assert chart["marks"] > 0, f"chart {chart['key']} drew no marks"
        assert chart["width"] > 100 and chart["height"] > 50, f"chart {chart['key']} is too small: {chart}"
    remote = [url for url in visit.requests if not url.startswith(("file:", "data:", "about:", "blob:"))]
    assert remote == [], f"the page asked the network for {remote}"


def test_axes_label_each_tick_once(visit: Visit) -> None:
    assert len(visit.axes) >= 2 * len(CHARTS) - 1
    for axis in visit.axes:
        assert axis["labels"], f"an axis of {axis['chart']} has no labels"
        assert len(axis["labels"]) == len(set(axis["labels"])), f"repeated axis labels in {axis['chart']}: {axis}"


def test_screenshot_is_kept_as_an_artefact(visit: Visit) -> None:
    assert visit.state == "drawn"
    assert SCREENSHOT.stat().st_size > 10_000
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quality_by_force_table_sorts_when_a_heading_is_clicked(visit: Visit) -> None:
    """The data-quality table comes ranked best first; a click on "Missing" sorts it by missing returns, and a
    second click reverses the order."""
    sorting = visit.sorting
    assert sorting["before"][0] == "Border Force" and sorting["before"][-1] == "Cumbria"
    assert sorting["ascending"][-1] == "Cumbria"  # the most missing returns (2) last
    assert sorting["descending"][0] == "Cumbria" and sorting["sorted"] == "descending"
