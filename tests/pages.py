"""Reading a page the way a person with a browser does: its form, fields, links and messages.

Nothing here knows the journey's slugs or fields: everything comes from the HTML, so tests
built on it follow the journey as it is, not as it was planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

DATE_PARTS = ("day", "month", "year")


@dataclass
class Form:
    """One <form>: where it goes and what a person can fill in (hidden inputs kept apart)."""

    action: str
    method: str
    hidden: list[tuple[str, str]] = field(default_factory=list)
    radios: dict[str, list[str]] = field(default_factory=dict)
    checkboxes: dict[str, list[str]] = field(default_factory=dict)
    checked: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # <input> name -> value
    input_types: dict[str, str] = field(default_factory=dict)
    textareas: dict[str, str] = field(default_factory=dict)
    maxlength: dict[str, int] = field(default_factory=dict)
    dates: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> day/month/year

    def field_names(self) -> list[str]:
        return [*self.radios, *self.checkboxes, *self.texts, *self.textareas, *self.dates]

    def shown(self) -> dict[str, object]:
        """What the form shows for each field: checked choices, text, date parts."""
        values: dict[str, object] = {}
        for name in self.radios:
            checked = self.checked.get(name, [])
            values[name] = checked[0] if checked else None
        for name in self.checkboxes:
            values[name] = sorted(self.checked.get(name, []))
        values.update(self.texts)
        values.update(self.textareas)
        for name, parts in self.dates.items():
            values[name] = tuple(parts.get(part, "") for part in DATE_PARTS)
        return values


@dataclass
class Page:
    """What a person sees on one HTML page."""

    h1s: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    back_links: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    change_links: list[str] = field(default_factory=list)
    error_summary: bool = False
    errors: list[str] = field(default_factory=list)  # summary items and inline messages
    receipt: str | None = None

    @property
    def post_form(self) -> Form | None:
        return next((f for f in self.forms if f.method == "post"), None)

    def local_links(self) -> list[str]:
        """Links that stay in the service (not to static files or other sites)."""
        hrefs = []
        for href, _text in self.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith("/static/"):
                continue
            hrefs.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return hrefs


def _classes(attrs: dict[str, str]) -> set[str]:
    return set(attrs.get("class", "").split())


class _Reader(HTMLParser):
    """Collects a Page; text captures nest by counting start and end tags of the same name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.form: Form | None = None
        self.captures: list[list] = []  # [tag, depth, kind, parts, attrs]
        self.in_summary_list = False
        self.pending_maxlength: int | None = None

    def _capture(self, tag: str, kind: str, attrs: dict[str, str]) -> None:
        self.captures.append([tag, 1, kind, [], attrs])

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        classes = _classes(attrs)
        for capture in self.captures:
            if capture[0] == tag:
                capture[1] += 1
        if "data-maxlength" in attrs:
            self.pending_maxlength = int(attrs["data-maxlength"])
        if tag == "h1":
            self._capture(tag, "h1", attrs)
        elif tag == "form":
            self.form = Form(attrs.get("action", ""), attrs.get("method", "get").lower())
            self.page.forms.append(self.form)
        elif tag == "input":
            self._input(attrs)
        elif tag == "textarea" and self.form is not None:
            self._capture(tag, "textarea", attrs)
        elif tag == "a":
            self._capture(tag, "back" if "govuk-back-link" in classes else "a", attrs)
        elif "govuk-error-summary" in classes:
            self.page.error_summary = True
        elif tag == "ul" and "govuk-error-summary__list" in classes:
            self.in_summary_list = True
        elif tag == "li" and self.in_summary_list:
            self._capture(tag, "error", attrs)
        elif tag == "p" and "govuk-error-message" in classes:
            self._capture(tag, "error", attrs)
        elif attrs.get("id") == "receipt":
            self._capture(tag, "receipt", attrs)

    def _input(self, attrs: dict[str, str]) -> None:
        form, name = self.form, attrs.get("name", "")
        if form is None or not name or attrs.get("tabindex") == "-1":
            return  # outside a form, or a honeypot nobody can reach
        kind = attrs.get("type", "text").lower()
        value = attrs.get("value", "")
        if kind == "hidden":
            form.hidden.append((name, value))
        elif kind in ("radio", "checkbox"):
            group = form.radios if kind == "radio" else form.checkboxes
            group.setdefault(name, []).append(value)
            form.checked.setdefault(name, [])
            if "checked" in attrs:
                form.checked[name].append(value)
        elif kind in ("submit", "button", "image", "reset", "file"):
            return
        else:
            part = attrs.get("id", "").rpartition("-")[2]
            if part in DATE_PARTS and attrs.get("id", "").startswith(f"{name}-"):
                form.dates.setdefault(name, {})[part] = value
            else:
                form.texts[name] = value
                form.input_types[name] = kind
                if attrs.get("maxlength", "").isdecimal():
                    form.maxlength[name] = int(attrs["maxlength"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "ul":
            self.in_summary_list = False
        for capture in list(self.captures):
            if capture[0] != tag:
                continue
            capture[1] -= 1
            if capture[1] == 0:
                self.captures.remove(capture)
                self._finish(capture[2], "".join(capture[3]), capture[4])

    def _finish(self, kind: str, text: str, attrs: dict[str, str]) -> None:
        words = " ".join(text.split())
        if kind == "h1":
            self.page.h1s.append(words)
        elif kind == "textarea" and self.form is not None:
            name = attrs.get("name", "")
            self.form.textareas[name] = text
            if attrs.get("maxlength", "").isdecimal():
                self.form.maxlength[name] = int(attrs["maxlength"])
            elif self.pending_maxlength is not None:
                self.form.maxlength[name] = self.pending_maxlength
            self.pending_maxlength = None
        elif kind == "back":
            self.page.back_links.append(attrs.get("href", ""))
        elif kind == "a":
            href = attrs.get("href", "")
            self.page.links.append((href, words))
            if words.startswith("Change"):
                self.page.change_links.append(href)
        elif kind == "error":
            self.page.errors.append(words.removeprefix("Error:").strip())
        elif kind == "receipt":
            self.page.receipt = words

    def handle_data(self, data: str) -> None:
        for capture in self.captures:
            capture[3].append(data)


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page
