"""Data Docs pages pointed at local copies of what GX's templates load from CDNs (msdw.quality.docs)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import great_expectations
import pytest

from msdw.quality import docs as data_docs
from msdw.quality.docs import (
    ASSETS_DIR,
    CDN_ASSETS,
    GX_IMAGES,
    GX_LOGOS,
    VEGA_SCRIPTS,
    DataDocsAssetsError,
    localise_page,
    vendor_assets,
)

GX_VIEW = Path(great_expectations.__file__).parent / "render" / "view"
LOADED = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["'](https?://[^"']+)""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?(https?://[^"')]+)""", re.I)
IMAGES_DIR = re.compile(r"""static_images_dir\s*=\s*["'](https?://[^"']+)""")


def _gx_template_urls() -> set[str]:
    """Every http(s) URL that GX's installed templates and styles load (scripts, styles, images)."""
    urls: set[str] = set()
    for path in [*GX_VIEW.glob("templates/*.j2"), *GX_VIEW.glob("static/styles/*.css")]:
        text = path.read_text(encoding="utf-8")
        urls |= set(LOADED.findall(text)) | set(CSS_URL.findall(text)) | set(IMAGES_DIR.findall(text))
    return urls


def test_every_url_gx_templates_load_has_a_local_copy() -> None:
    urls = _gx_template_urls()
    assert len(urls) >= len(CDN_ASSETS)  # the templates were read
    known = set(CDN_ASSETS) | set(VEGA_SCRIPTS)
    unknown = sorted(u for u in urls if u not in known and not u.startswith(GX_IMAGES))
    assert unknown == [], f"GX's templates load {unknown}: add them to msdw.quality.docs.CDN_ASSETS"
    assert set(CDN_ASSETS) <= urls, "CDN_ASSETS names a URL GX's templates no longer load"


def test_pinned_packages_match_the_assets_and_gx_integrity_hashes() -> None:
    pinned = json.loads((ASSETS_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert pinned == {a.package: a.version for a in CDN_ASSETS.values()}
    # Where GX's templates name a subresource integrity hash for a file at the pinned version, the copy is that file.
    template = (GX_VIEW / "templates" / "js_script_imports.j2").read_text(encoding="utf-8")
    checked = 0
    for url, integrity in re.findall(r'src="([^"]+)"[^>]*integrity="sha384-([^"]+)"', template):
        asset = CDN_ASSETS[url]
        if asset.version not in url:
            continue  # popper.js: GX names 1.12.9, Bootstrap 4.3.1 wants ^1.14.7
        digest = hashlib.sha384((ASSETS_DIR / "node_modules" / asset.package / asset.file).read_bytes()).digest()
        assert base64.b64encode(digest).decode() == integrity, url
        checked += 1
    assert checked >= 1


def test_a_page_is_pointed_at_the_copies_relative_to_its_folder(tmp_path: Path) -> None:
    site = tmp_path / "data_docs"
    page = site / "expectations" / "returns" / "police_victims.html"
    jquery, bootstrap = (
        "https://code.jquery.com/jquery-3.7.1.min.js",
        next(u for u in CDN_ASSETS if "bootstrap.min.js" in u),
    )
    html = (
        f'<script src="{VEGA_SCRIPTS[0]}"></script>\n<script src="{VEGA_SCRIPTS[1]}"></script>\n'
        f'<script src="{jquery}"></script>\n'
        f'<script src="{bootstrap}" integrity="sha384-abc" crossorigin="anonymous"></script>\n'
        f'<img class="NO-CACHE"\n  src="{GX_IMAGES}logo-long.png?d=20260101T000000Z&dataContextId=x"\n  alt="GX" />\n'
        f"<style>.brand {{ background: url('{GX_IMAGES}full_logo_dark.png') 0 0; }}</style>\n"
        '<a href="https://greatexpectations.io">Great Expectations</a>\n'
        '<script src="https://cdn.example.org/other.js"></script>\n'
    )
    new, unknown = localise_page(html, page, site)
    assert new.splitlines() == [
        "",  # Vega is left out of pages that draw no chart
        "",
        '<script src="../../static/vendor/jquery/dist/jquery.min.js"></script>',
        '<script src="../../static/vendor/bootstrap/dist/js/bootstrap.min.js"></script>',
        '<img class="NO-CACHE"',
        f'  src="../../static/images/{GX_LOGOS["logo-long.png"]}"',
        '  alt="GX" />',
        f"<style>.brand {{ background: url('../../static/images/{GX_LOGOS['full_logo_dark.png']}') 0 0; }}</style>",
        '<a href="https://greatexpectations.io">Great Expectations</a>',  # a link, not a download
        '<script src="https://cdn.example.org/other.js"></script>',
    ]
    assert unknown == {"https://cdn.example.org/other.js"}
    assert localise_page(new, page, site) == (new, unknown)  # rewriting again changes nothing


def test_pages_that_draw_charts_load_the_local_vega_bundle(tmp_path: Path) -> None:
    site = tmp_path / "data_docs"
    html = "".join(f'<script src="{url}"></script>' for url in VEGA_SCRIPTS) + "<script>vegaEmbed('#c', {})</script>"
    new, unknown = localise_page(html, site / "index.html", site)
    assert (
        new
        == f"<script src=\"{data_docs.vega_bundle_path().as_posix()}\"></script><script>vegaEmbed('#c', {{}})</script>"
    )
    assert unknown == set()


def test_missing_or_other_versions_of_the_packages_are_named_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataDocsAssetsError, match=r"jquery .* not installed: run `make setup`"):
        vendor_assets(tmp_path / "site", assets_dir=tmp_path / "assets")
    for asset in CDN_ASSETS.values():
        manifest = tmp_path / "assets" / "node_modules" / asset.package / "package.json"
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({"version": "0.0.1"}), encoding="utf-8")
    with pytest.raises(DataDocsAssetsError, match=r"need jquery 3\.7\.1; .* has 0\.0\.1: run `make setup`"):
        vendor_assets(tmp_path / "site", assets_dir=tmp_path / "assets")
