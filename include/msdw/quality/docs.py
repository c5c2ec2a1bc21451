"""Data Docs: the kept results of both gates and every suite, rendered into ``<warehouse>/data_docs``, working
without a network.

Great Expectations' page templates load jQuery, Bootstrap, bootstrap-table, Font Awesome, Vega and the GX logo from
CDNs; on a closed network the index page then lists nothing (its tables are drawn by bootstrap-table) and every page
is unstyled. After each build, :func:`localise_site` copies those files into the site (``static/vendor/``) from the
npm packages pinned in ``deploy/data_docs/package-lock.json`` (installed by ``make setup``), the Vega bundle from the
pinned vl-convert wheel and the logo from GX's own ``static/images``, and points the rendered pages at the copies.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msdw.errors import SetupError
from msdw.files import write_text_atomically
from msdw.quality.context import (
    DOCS_RESULTS,
    DOCS_SITE,
    ExpectationSuiteIdentifier,
    GxSetupError,
    expectation_configs,
    file_context,
)
from msdw.quality.suites import all_suites
from msdw.warehouse import Warehouse

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite

ASSETS_DIR = Path(__file__).resolve().parents[3] / "deploy" / "data_docs"
"""The npm project pinning the scripts, styles and fonts of the Data Docs pages; its packages go in node_modules/."""
VENDOR = Path("static") / "vendor"  # in the Data Docs folder
IMAGES = Path("static") / "images"  # GX copies its own static/images there
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
VEGA = "vega"  # the folder, under VENDOR, of the Vega bundle

log = logging.getLogger(__name__)

RENDERED = ".rendered.json"  # in the Data Docs folder: the results and suites it holds
_MTIME_SLACK_NS = 2_000_000_000  # pages written since a build began, on file systems with coarse timestamps too


@dataclass(frozen=True)
class Asset:
    """A file of an npm package that GX's templates load from a CDN."""

    package: str
    version: str  # as pinned in deploy/data_docs/package.json
    file: str  # inside the package
    folders: tuple[str, ...] = ()  # package folders the file refers to (font files), copied beside it

    @property
    def local(self) -> Path:
        return VENDOR / self.package / self.file


_BOOTSTRAP_TABLE = "bootstrap-table", "1.19.1"
_FILTER_CONTROL = "dist/extensions/filter-control/bootstrap-table-filter-control"
_DATEPICKER = "bootstrap-datepicker", "1.9.0"

CDN_ASSETS: dict[str, Asset] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": Asset("jquery", "3.7.1", "dist/jquery.min.js"),
    # GX names popper.js 1.12.9; Bootstrap 4.3.1 declares popper.js ^1.14.7, the release its own pages load.
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": Asset(
        "popper.js", "1.14.7", "dist/umd/popper.min.js"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": Asset(
        "bootstrap", "4.3.1", "dist/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": Asset(
        "bootstrap", "4.3.1", "dist/css/bootstrap.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": Asset(
        *_BOOTSTRAP_TABLE, "dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": Asset(
        *_BOOTSTRAP_TABLE, "dist/bootstrap-table.min.css"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.1/{_FILTER_CONTROL}.min.js": Asset(
        *_BOOTSTRAP_TABLE, f"{_FILTER_CONTROL}.min.js"
    ),
    # GX's pages name the 1.19.0 filter-control styles beside the 1.19.1 scripts: both come from 1.19.1 here.
    f"https://unpkg.com/bootstrap-table@1.19.0/{_FILTER_CONTROL}.min.css": Asset(
        *_BOOTSTRAP_TABLE, f"{_FILTER_CONTROL}.min.css"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.0/{_FILTER_CONTROL}.css": Asset(
        *_BOOTSTRAP_TABLE, f"{_FILTER_CONTROL}.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": Asset(
        *_DATEPICKER, "dist/js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": Asset(
        *_DATEPICKER, "dist/css/bootstrap-datepicker.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": Asset(
        "@forevolve/bootstrap-dark", "1.1.0", "dist/css/bootstrap-prefers-dark.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": Asset(
        "@fortawesome/fontawesome-free", "6.6.0", "css/all.min.css", folders=("webfonts",)
    ),
}

VEGA_SCRIPTS = (
    "https://cdn.jsdelivr.net/npm/vega@5",
    "https://cdn.jsdelivr.net/npm/vega-lite@5",
    "https://cdn.jsdelivr.net/npm/vega-embed@6",
)
"""Loaded by every GX page; replaced by one local bundle of Vega-Embed with Vega-Lite and Vega, from vl-convert."""

GX_LOGOS = {"logo-long.png": "logo-long.png", "full_logo_dark.png": "logo-long.png"}
"""GX's logos on its web assets host, by the copies in the site's static/images (no dark logo ships in the wheel)."""

_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>(?:\s*</script>)?", re.IGNORECASE)
_URL_ATTRIBUTE = re.compile(r"""\b(src|href)\s*=\s*(["'])(https?://[^"']*)\2""", re.IGNORECASE)
_FETCH_ATTRIBUTES = re.compile(r"""\s+(?:integrity|crossorigin)(?=[\s=/>])(?:\s*=\s*(["'])[^"']*\1)?""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(["']?)(https?://[^"')]*)\1\s*\)""", re.IGNORECASE)


class DataDocsAssetsError(SetupError, RuntimeError):
    """The pinned scripts and styles of the Data Docs pages are not installed, or not at the pinned versions."""


def install_hint(assets_dir: Path = ASSETS_DIR) -> str:
    return f"run `make setup` (it runs `npm ci --prefix {assets_dir}`) and build Data Docs again"


def vendor_assets(site: Path, assets_dir: Path = ASSETS_DIR) -> None:
    """Copy every :data:`CDN_ASSETS` file into ``site`` where missing or changed."""
    modules = assets_dir / "node_modules"
    for asset in {a.local: a for a in CDN_ASSETS.values()}.values():
        package = modules / asset.package
        try:
            found = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
        except (OSError, ValueError, KeyError) as exc:
            raise DataDocsAssetsError(
                f"Data Docs need the npm package {asset.package} in {modules}, which is not installed: "
                + install_hint(assets_dir)
            ) from exc
        if found != asset.version:
            raise DataDocsAssetsError(
                f"Data Docs need {asset.package} {asset.version}; {modules} has {found}: " + install_hint(assets_dir)
            )
        _copy(package / asset.file, site / asset.local)
        for folder in asset.folders:
            for source in sorted((package / folder).rglob("*")):
                if source.is_file():
                    _copy(source, site / VENDOR / asset.package / source.relative_to(package))


def vendor_vega(site: Path, cache_dir: Path | None = None) -> None:
    """Write the Vega bundle into ``site`` if missing (``cache_dir``: see :func:`msdw.report.page.vega_bundle`)."""
    bundle = site / vega_bundle_path()
    if not bundle.is_file():
        from msdw.report.page import vega_bundle
        from msdw.report.render import _vega_lite_version

        write_text_atomically(bundle, vega_bundle(_vega_lite_version(), cache_dir))


def vega_bundle_path() -> Path:
    """Where in the site the Vega bundle goes: named for the vl-convert release that made it."""
    import vl_convert

    return VENDOR / VEGA / f"vega-embed-bundle-{vl_convert.__version__}.js"


def _copy(source: Path, target: Path) -> None:
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def localise_page(html: str, page: Path, site: Path) -> tuple[str, set[str]]:
    """``html`` of ``page`` (a file in ``site``) loading its scripts, styles and images from the site.

    Returns the new text and the remote URLs it still loads (none, unless GX's templates name a file this module
    does not know).
    """
    up = Path(os.path.relpath(site, page.parent))

    def local(path: Path) -> str:
        return (up / path).as_posix()

    unknown: set[str] = set()

    def tag(match: re.Match[str]) -> str:
        text = match.group(0)
        attribute = _URL_ATTRIBUTE.search(text)
        if attribute is None:
            return text
        url = attribute.group(3)
        if url in VEGA_SCRIPTS:
            if url != VEGA_SCRIPTS[0] or not uses_vega(html):
                return ""
            return f'<script src="{local(vega_bundle_path())}"></script>'
        target = _local_target(url)
        if target is None:
            unknown.add(url)
            return text
        replaced = text[: attribute.start(3)] + local(target) + text[attribute.end(3) :]
        # Subresource integrity and CORS mode would make the browser refuse a file:// script.
        return replaced if replaced[:4].lower() == "<img" else _FETCH_ATTRIBUTES.sub("", replaced)

    def css_url(match: re.Match[str]) -> str:
        target = _local_target(match.group(2))
        if target is None:
            unknown.add(match.group(2))
            return match.group(0)
        return f"url({match.group(1)}{local(target)}{match.group(1)})"

    return _CSS_URL.sub(css_url, _TAG.sub(tag, html)), unknown


def _local_target(url: str) -> Path | None:
    """The site path serving ``url``, or None when it is not a known CDN file."""
    if url in CDN_ASSETS:
        return CDN_ASSETS[url].local
    if url.startswith(GX_IMAGES):
        name = url[len(GX_IMAGES) :].split("?", 1)[0]
        if name in GX_LOGOS:
            return IMAGES / GX_LOGOS[name]
    return None


def uses_vega(html: str) -> bool:
    """Whether a page draws a chart (GX's graph blocks call ``vegaEmbed``); the others need no Vega at all."""
    return "vegaEmbed(" in html


def localise_site(
    site: Path,
    pages: Iterable[Path] | None = None,
    cache_dir: Path | None = None,
    assets_dir: Path = ASSETS_DIR,
) -> list[Path]:
    """Vendor the assets into ``site`` and rewrite ``pages`` (default: every HTML page of the site) to load them.

    The Vega bundle is written only for pages that draw charts (``cache_dir`` keeps it between sites). Pages already
    rewritten are left as they are. Returns the pages rewritten.
    """
    vendor_assets(site, assets_dir)
    rewritten: list[Path] = []
    unknown: set[str] = set()
    for page in sorted(site.rglob("*.html") if pages is None else pages):
        html = page.read_text(encoding="utf-8")
        if "https://" not in html and "http://" not in html:
            continue
        if uses_vega(html):
            vendor_vega(site, cache_dir)
        new, remote = localise_page(html, page, site)
        unknown |= remote
        if new != html:
            write_text_atomically(page, new)
            rewritten.append(page)
    if unknown:
        log.warning(
            "Data Docs pages still load %s from the network: add these files to msdw.quality.docs.CDN_ASSETS",
            ", ".join(sorted(unknown)),
        )
    return rewritten


def build_data_docs(warehouse: Warehouse, suites: Iterable[ExpectationSuite] | None = None) -> Path:
    """Render the latest :data:`DOCS_RESULTS` kept validation results, and ``suites``, into ``warehouse.data_docs``.

    Only what is not rendered yet is rendered (results kept since the last call, the suites when they changed), then
    the index: the site records what it holds in :data:`RENDERED`. Without that record or the index, everything is
    rendered again. ``suites`` are every suite of both gates unless given. Returns the index page.
    """
    context = file_context(warehouse)
    suites = list(all_suites() if suites is None else suites)
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
    described = [{"name": s.name, "expectations": expectation_configs(s)} for s in suites]
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
