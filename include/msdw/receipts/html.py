"""The HTML twin of a receipt, notice or rejection: the same fields, for people; self-contained, no scripts."""

from __future__ import annotations

import jinja2

_TITLES = {
    "receipt": "Receipt for your return",
    "notice": "Reminder: a return is missing",
    "rejection": "A file we could not take",
}
_STATUS_TEXT = {
    "ACCEPTED": "accepted",
    "LATE": "accepted, but received after its due date",
    "QUARANTINED": "not accepted: please correct it and send it again",
    "DUPLICATE": "the same file as a version we already have: nothing changed",
    "MISSING": "not received, and past its due date",
    "REJECTED": "not taken: the file's name or kind is not one we can read",
}

_TEMPLATE = jinja2.Template(
    """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; max-width: 60rem; }
  table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
  th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; vertical-align: top; }
  th { background: #f0f0ee; }
  .status { font-weight: 600; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="status" data-status="{{ doc.status }}">{{ doc.status }}: {{ status_text }}</p>
<table>
{%- for key, value in fields %}
  <tr><th>{{ key }}</th><td>{{ value }}</td></tr>
{%- endfor %}
</table>
{%- for heading, items in lists %}
{%- if items %}
<h2>{{ heading }} ({{ items | length }})</h2>
<table>
  <tr><th>row</th><th>column</th><th>rule</th><th>what is wrong</th><th>what to change</th></tr>
  {%- for item in items %}
  <tr><td>{{ item.row if item.row is not none else "" }}</td><td>{{ item.column or "" }}</td><td>{{ item.rule }}</td>
      <td>{{ item.message }}</td><td>{{ item.fix }}</td></tr>
  {%- endfor %}
</table>
{%- endif %}
{%- endfor %}
{%- if doc.fix %}<p>What to do: {{ doc.fix }}</p>{% endif %}
<p>This page never shows a value of a personal-data column (names, dates of birth): it names the row and column.</p>
</body>
</html>
""",
    autoescape=True,
)


def render(doc: dict) -> str:
    """The page for a document's dictionary (``Receipt.as_dict()``, ``Notice.as_dict()``, ``Rejection.as_dict()``)."""
    skip = {"kind", "problems", "warnings", "fix", "status"}
    fields = [(key, "" if value is None else value) for key, value in doc.items() if key not in skip]
    return _TEMPLATE.render(
        title=_TITLES.get(doc.get("kind", ""), "Return"),
        doc=doc,
        status_text=_STATUS_TEXT.get(doc.get("status", ""), ""),
        fields=fields,
        lists=[("Problems", doc.get("problems") or []), ("Warnings", doc.get("warnings") or [])],
    )
