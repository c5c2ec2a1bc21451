"""The self-contained HTML page: Vega, Vega-Lite and Vega-Embed inlined, every chart's specification embedded.

The page loads nothing from the network. When every chart has drawn it sets ``data-charts="drawn"`` on ``<html>``
(``"failed"`` when one could not be drawn, with the error in the chart's place and on the console).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from msdw.files import write_text_atomically
from msdw.returns import MsdwError


class ReportError(MsdwError):
    """The report could not be rendered."""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blurb: str
    spec: dict
    rows: int
    columns: tuple[tuple[str, str], ...] = ()  # (key, heading) of a table people can sort, under the chart
    table: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


_TEMPLATE = jinja2.Template(
    """\
<!DOCTYPE html>
<html lang="en" data-charts="pending">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b;
         background: #f6f6f4; }
  header { background: #1d3557; color: white; padding: 1.5rem 2rem; }
  header h1 { margin: 0 0 .3rem 0; font-size: 1.6rem; }
  header p { margin: 0; opacity: .85; }
  main { max-width: 1000px; margin: 0 auto; padding: 1rem 2rem 3rem; }
  .figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .8rem;
             margin: 1rem 0 1.5rem; }
  .figure { background: white; border-radius: 6px; padding: .8rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  .figure .value { font-size: 1.5rem; font-weight: 600; }
  .figure .label { font-size: .85rem; color: #555; }
  section { background: white; border-radius: 6px; padding: 1rem 1.5rem 1.5rem; margin: 0 0 1.5rem;
            box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow-x: auto; }
  section h2 { font-size: 1.2rem; margin: .2rem 0 .3rem; }
  section p { margin: 0 0 .8rem; color: #444; max-width: 60rem; }
  .empty { color: #8a6d3b; font-style: italic; }
  .chart-error { color: #a94442; white-space: pre-wrap; }
  table.sortable { border-collapse: collapse; margin-top: 1rem; font-size: .85rem; }
  table.sortable th, table.sortable td { border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: right; }
  table.sortable th:nth-child(2), table.sortable td:nth-child(2) { text-align: left; }
  table.sortable th { cursor: pointer; background: #f0f0ee; user-select: none; }
  footer { color: #666; font-size: .85rem; max-width: 1000px; margin: 0 auto; padding: 0 2rem 2rem; }
</style>
<script>
{{ bundle }}
</script>
</head>
<body>
<header>
  <h1>{{ title }}</h1>
  <p>{{ subtitle }}</p>
</header>
<main>
  <div class="figures">
  {%- for figure in figures %}
    <div class="figure"><div class="value">{{ figure.value }}</div><div class="label">{{ figure.label }}</div></div>
  {%- endfor %}
  </div>
  {%- for section in sections %}
  <section id="{{ section.key }}">
    <h2>{{ section.title }}</h2>
    <p>{{ section.blurb }}</p>
    {%- if not section.rows %}
    <p class="empty">No rows yet in the published marts for this chart.</p>
    {%- endif %}
    <div class="chart" data-chart="{{ section.key }}"></div>
    {%- if section.columns %}
    <table class="sortable" data-table="{{ section.key }}">
      <thead><tr>
      {%- for key, heading in section.columns %}
        <th data-key="{{ key }}" title="Sort by {{ heading }}">{{ heading }}</th>
      {%- endfor %}
      </tr></thead>
      <tbody>
      {%- for row in section.table %}
        <tr>
        {%- for key, heading in section.columns %}
          {%- set value = row[key] %}
          <td data-value="{{ '' if value is none else value }}">
            {{- '' if value is none else ('%.0f%%' | format(value * 100) if key.endswith('_rate') else value) -}}
          </td>
        {%- endfor %}
        </tr>
      {%- endfor %}
      </tbody>
    </table>
    {%- endif %}
  </section>
  {%- endfor %}
</main>
<footer>{{ footer }}</footer>
<script type="application/json" id="chart-specs">{{ specs }}</script>
<script>
(function () {
  const specs = JSON.parse(document.getElementById("chart-specs").textContent);
  const drawn = Object.entries(specs).map(function ([key, spec]) {
    const element = document.querySelector('[data-chart="' + key + '"]');
    return vegaEmbed(element, spec, {renderer: "svg", actions: false}).catch(function (error) {
      console.error("chart " + key + " could not be drawn: " + error);
      element.className = "chart chart-error";
      element.textContent = "This chart could not be drawn: " + error;
      throw error;
    });
  });
  document.querySelectorAll("table.sortable th").forEach(function (th) {
    th.addEventListener("click", function () {
      const table = th.closest("table"), body = table.tBodies[0], index = th.cellIndex;
      const ascending = th.dataset.sorted !== "ascending";
      table.querySelectorAll("th").forEach(function (other) { delete other.dataset.sorted; });
      th.dataset.sorted = ascending ? "ascending" : "descending";
      const value = function (row) {
        const text = row.cells[index].dataset.value, number = Number(text);
        return text !== "" && !isNaN(number) ? number : text;
      };
      [...body.rows].sort(function (a, b) {
        const x = value(a), y = value(b);
        const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      }).forEach(function (row) { body.appendChild(row); });
    });
  });
  Promise.all(drawn).then(
    function () { document.documentElement.dataset.charts = "drawn"; },
    function () { document.documentElement.dataset.charts = "failed"; }
  );
})();
</script>
</body>
</html>
""",
    autoescape=True,
)


def _json_for_script(value: object) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` that HTML would read."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def vega_bundle(vega_lite_version: str, cache_dir: Path | None = None) -> str:
    """Vega-Embed with Vega-Lite and Vega, as one script that defines ``vegaEmbed`` globally.

    vl-convert bundles the JavaScript on each call (seconds); with ``cache_dir`` the bundle is kept there, one file
    per vl-convert and Vega-Lite version, and read back on later calls.
    """
    try:
        import vl_convert
    except ImportError as exc:
        raise ReportError(
            "the report needs vl-convert-python to inline the Vega JavaScript: install the pinned requirements "
            "(`make setup`)"
        ) from exc
    cached = None
    if cache_dir is not None:
        cached = Path(cache_dir) / f"vega-bundle-{vl_convert.__version__}-{vega_lite_version}.js"
        if cached.is_file():
            return cached.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle(vl_version=vega_lite_version)
    if "</script" in bundle.lower():
        raise ReportError("the Vega JavaScript bundle contains `</script`: it cannot be inlined in the page")
    if cached is not None:
        write_text_atomically(cached, bundle)
    return bundle


def render_page(
    title: str,
    subtitle: str,
    figures: list[Figure],
    sections: list[Section],
    footer: str,
    vega_lite_version: str,
    cache_dir: Path | None = None,
) -> str:
    specs = {section.key: section.spec for section in sections}
    return _TEMPLATE.render(
        title=title,
        subtitle=subtitle,
        figures=figures,
        sections=sections,
        footer=footer,
        specs=Markup(_json_for_script(specs)),
        bundle=Markup(vega_bundle(vega_lite_version, cache_dir)),
    )
