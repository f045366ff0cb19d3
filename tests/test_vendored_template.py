"""Checks on the vendored page template and the compiled front-end assets.

templates/govuk_template.html is a copy of govuk-frontend-jinja's template.html
with a few documented substitutions (see its leading comment and SUBSTITUTIONS
below): the upstream template has an inline <script> that our
Content-Security-Policy (script-src 'self', no inline) would block, and defaults
that show GOV.UK's crown, crest and favicons. When govuk-frontend-jinja is
upgraded and its template changes, test_vendored_template_matches_upstream fails:
re-vendor the template then.

These tests deliberately import nothing from the application package: only the
installed govuk_frontend_jinja package's files are read.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDORED = ROOT / "templates" / "govuk_template.html"
STATIC = ROOT / "static"
APP_CSS = STATIC / "css" / "app.css"

VENDORED_FROM_VERSION = "4.1.0"

# (upstream text, our text): each upstream text must occur exactly once.
# Keep in step with the list in the comment at the top of the vendored file.
SUBSTITUTIONS: list[tuple[str, str]] = [
    # 1. No crown: the GOV.UK header and footer macros are no longer imported.
    (
        '{% from "govuk_frontend_jinja/components/header/macro.html" import govukHeader -%}\n',
        "",
    ),
    (
        '{% from "govuk_frontend_jinja/components/footer/macro.html" import govukFooter -%}\n',
        "",
    ),
    # 2. Default theme colour: the service's brand purple, not GOV.UK blue.
    (
        "{# Hardcoded value is $govuk-brand-blue -#}\n"
        '{% set themeColor = themeColor | default("#1d70b8", true) -%}\n',
        "{# Hardcoded value is the service brand colour (frontend/src/app.scss) -#}\n"
        '{% set themeColor = themeColor | default("#4c2882", true) -%}\n',
    ),
    # 3. assetPath (GOV.UK's /assets) is no longer used by anything.
    ('{% set assetPath = assetPath | default("/assets", true) -%}\n', ""),
    # 4. Default icons: the service's own, not GOV.UK's crown favicons; no
    #    mask-icon and no manifest (CSP has no manifest-src, so default-src
    #    'none' would block it).
    (
        '      <link rel="icon" sizes="48x48" href="{{ assetPath }}/images/favicon.ico">\n'
        '      <link rel="icon" sizes="any" href="{{ assetPath }}/images/favicon.svg"'
        ' type="image/svg+xml">\n'
        '      <link rel="mask-icon" href="{{ assetPath }}/images/govuk-icon-mask.svg"'
        ' color="{{ themeColor }}">\n'
        '      <link rel="apple-touch-icon" href="{{ assetPath }}/images/govuk-icon-180.png">\n'
        '      <link rel="manifest" href="{{ assetPath }}/manifest.json">\n',
        '      <link rel="icon" sizes="48x48"'
        " href=\"{{ url_for('static', filename='images/favicon.ico') }}\">\n"
        '      <link rel="icon" sizes="any"'
        " href=\"{{ url_for('static', filename='images/favicon.svg') }}\""
        ' type="image/svg+xml">\n'
        '      <link rel="apple-touch-icon"'
        " href=\"{{ url_for('static', filename='images/icon-192.png') }}\">\n",
    ),
    # 5. No fallback to GOV.UK's (crowned) OpenGraph image.
    (
        "    {#- OpenGraph images needs to be absolute, so we need either a URL for the image"
        " or for assetUrl to be set #}\n"
        "    {% if opengraphImageUrl or assetUrl %}\n"
        '    <meta property="og:image" content="{{ opengraphImageUrl | default(assetUrl ~'
        " '/images/govuk-opengraph-image.png', true) }}\">\n",
        "    {#- OpenGraph images need to be absolute URLs #}\n"
        "    {% if opengraphImageUrl %}\n"
        '    <meta property="og:image" content="{{ opengraphImageUrl }}">\n',
    ),
    # 6. The inline script becomes an external one (CSP script-src 'self').
    (
        '    <script {%- if cspNonce %} nonce="{{ cspNonce }}"{% endif %}>'
        "document.body.className += ' js-enabled' + ('noModule' in"
        " HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');</script>\n",
        "    <script src=\"{{ url_for('static', filename='js/body-classes.js') }}\"></script>\n",
    ),
    # 7. Default header and footer blocks empty: govukHeader and govukFooter
    #    always show the crown (and the footer the Royal Arms and "© Crown
    #    copyright"); templates/base.html fills these blocks.
    (
        "        {% block govukHeader %}\n          {{ govukHeader() }}\n        {% endblock %}\n",
        "        {% block govukHeader %}{% endblock %}\n",
    ),
    (
        "        {% block govukFooter %}\n          {{ govukFooter() }}\n        {% endblock %}\n",
        "        {% block govukFooter %}{% endblock %}\n",
    ),
]

RE_VENDOR = (
    "govuk-frontend-jinja's template.html has changed (installed version {installed}, "
    "vendored from {vendored}). Re-vendor templates/govuk_template.html: copy the new "
    "upstream template, re-apply the substitutions listed in its leading comment and in "
    "SUBSTITUTIONS in this test (update them if upstream changed), check again that no "
    "inline script/style and no crown/favicon reference remain, and update "
    "VENDORED_FROM_VERSION."
)


def _upstream_template() -> str:
    spec = importlib.util.find_spec("govuk_frontend_jinja")
    assert spec is not None and spec.submodule_search_locations, (
        "govuk_frontend_jinja is not installed"
    )
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    return (package_dir / "templates" / "template.html").read_text(encoding="utf-8")


def _installed_version() -> str:
    return importlib.metadata.version("govuk-frontend-jinja")


def _split_vendored() -> tuple[str, str]:
    """Return (leading Jinja comment, rest) of the vendored template."""
    text = VENDORED.read_text(encoding="utf-8")
    match = re.match(r"\{#.*?-?#\}\n", text, flags=re.DOTALL)
    assert match, "templates/govuk_template.html must start with a Jinja comment"
    return match.group(0), text[match.end() :]


def _without_jinja_comments(text: str) -> str:
    return re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)


def test_leading_comment_names_the_upstream_version() -> None:
    comment, _ = _split_vendored()
    assert "vendored" in comment.lower()
    assert f"govuk-frontend-jinja {VENDORED_FROM_VERSION}" in comment


def test_vendored_template_matches_upstream() -> None:
    message = RE_VENDOR.format(installed=_installed_version(), vendored=VENDORED_FROM_VERSION)
    upstream = _upstream_template()
    expected = upstream
    for old, new in SUBSTITUTIONS:
        count = expected.count(old)
        assert count == 1, f"{message}\nSubstitution source found {count} times:\n{old}"
        expected = expected.replace(old, new)
    _, ours = _split_vendored()
    assert ours == expected, message
    assert _installed_version() == VENDORED_FROM_VERSION, message


def test_no_inline_script_or_style() -> None:
    markup = _without_jinja_comments(VENDORED.read_text(encoding="utf-8"))
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script\s*>", markup, flags=re.I | re.S)
    assert scripts, "expected the external body-classes script"
    for attributes, body in scripts:
        assert body.strip() == "", f"inline script content: {body!r}"
        assert re.search(r"\bsrc\s*=", attributes), f"<script> without src: {attributes!r}"
    assert not re.search(r"\bstyle\s*=", markup, flags=re.I), "style= attribute found"
    assert not re.search(r"<style\b", markup, flags=re.I), "<style> element found"
    assert not re.search(r"\bon[a-z]+\s*=", markup, flags=re.I), "inline event handler found"


def test_no_gov_uk_crown_or_assets() -> None:
    markup = _without_jinja_comments(VENDORED.read_text(encoding="utf-8"))
    for forbidden in (
        "govukHeader(",
        "govukFooter(",
        "/assets",
        "assetPath",
        "govuk-icon",
        "govuk-opengraph-image",
        "govuk-crest",
        "manifest.json",
    ):
        assert forbidden not in markup, f"{forbidden!r} found in the vendored template"


def test_referenced_static_files_exist() -> None:
    markup = VENDORED.read_text(encoding="utf-8")
    filenames = re.findall(r"url_for\('static', filename='([^']+)'\)", markup)
    assert "js/body-classes.js" in filenames
    for filename in filenames:
        assert (STATIC / filename).is_file(), f"static/{filename} is missing"


@pytest.fixture(scope="module")
def app_css() -> str:
    return APP_CSS.read_text(encoding="utf-8")


def test_css_has_no_gov_uk_font_or_assets_urls(app_css: str) -> None:
    assert "@font-face" not in app_css
    assert "/assets/" not in app_css
    assert "gds transport" not in app_css.lower()


def test_css_urls_resolve_under_static(app_css: str) -> None:
    static_root = STATIC.resolve()
    for raw in re.findall(r"url\(\s*([^)]*?)\s*\)", app_css):
        url = raw.strip("'\"")
        if url.startswith("data:"):
            continue
        assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//|^/", url, flags=re.I), (
            f"CSS URL must be relative (the app may be mounted under a prefix): {url}"
        )
        target = (APP_CSS.parent / url.split("#")[0].split("?")[0]).resolve()
        assert target.is_relative_to(static_root), f"CSS URL leaves static/: {url}"
        assert target.is_file(), f"CSS URL does not resolve to a file under static/: {url}"


def test_body_classes_script_matches_upstream_inline_script() -> None:
    script = (STATIC / "js" / "body-classes.js").read_text(encoding="utf-8")
    inline = re.search(r"<script[^>]*>(.*?)</script>", _upstream_template(), flags=re.S)
    assert inline, "upstream template no longer has an inline script"
    assert inline.group(1).strip() in script
