"""The reporting journey walked the way people really do: back, refresh, change, lose the cookie.

A hypothesis state machine drives a browser-like client (tests/pages.py) that reads each page's
HTML for its form, fields and links; only the start page and the check page's address are known
in advance. After every step it checks the invariants below, each a small named function.
`make test` runs 15 examples of at most 20 steps (about 300 steps, under a minute on 2 cores);
benchmarks/fuzz_journey.py (`make fuzz`) runs the same machine for longer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from reporting import clock, drafts
from reporting.db import database
from reporting.models import Draft, Report

from .draft_clock import set_draft_expiry, set_sent_until
from .helpers import HttpsClient
from .pages import Form, Page, read_page

START = "/"
CHECK = "/report/check"
# "Someone is in immediate danger: yes" is kept, then this page shows 999 before the journey
# goes on: a page after an accepted answer, though it asks nothing.
IN_DANGER = "/report/in-danger"
REDIRECTS = (301, 302, 303, 307, 308)
# Text people type, and text attackers type (all of it may be stored; all of it must come back).
SENSIBLE = st.text("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,'-", min_size=1, max_size=30)
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE reports; --",
    "1' OR '1'='1",
    "nul\x00byte",
    "\u202eevil\u202c text",
    "emoji 😀🏳️‍🌈 here",
    "e\u0301\u0301\u0301 combining",
    "{{ 7*7 }} {% raw %}",
    "&amp; &lt;b&gt;",
]
IMPOSSIBLE_DATES = [("31", "2", "2025"), ("29", "2", "2023"), ("31", "4", "2024"),
                    ("32", "1", "2020"), ("0", "5", "2020"), ("15", "13", "2020"),
                    ("15", "0", "2020")]  # fmt: skip
NOT_NUMBERS = ["abc", "March", "2O2O", "1.5", "-1", "twelve", "x"]
# Words of Python or library errors that must never reach a person.
EXCEPTION_TEXT = re.compile(
    r"out of range|invalid literal|traceback|exception|nonetype|not a valid|unconverted data"
    r"|does not match format|object has no attribute|must be in \d+\.\.\d+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Visit:
    """One request as a browser's history keeps it; a POST's body is kept for resubmission."""

    method: str
    url: str
    data: tuple[tuple[str, str], ...] | None = None
    typed: dict[str, Any] | None = None  # what a question page should show for this body
    must_reject: str = ""  # the kind of invalid answer this body is, if it is one
    kind: str = "valid answer"  # what the body is, for messages


@dataclass
class Result:
    first: TestResponse | None  # None when the request went to another site
    final: TestResponse | None
    visit: Visit  # the request that produced ``final``
    page: Page | None  # None when the final response is not a page of this service
    left: bool = False  # redirected to another site ("Exit this page")

    @property
    def path(self) -> str:
        return urlsplit(self.visit.url).path


# --- Invariants: each raises AssertionError saying what a person or attacker would see. ---


def no_server_error(response: TestResponse, where: str) -> None:
    assert response.status_code < 500, f"{where} answered {response.status_code}"


def security_headers_present(response: TestResponse, where: str) -> None:
    headers = response.headers
    assert "default-src" in headers.get("Content-Security-Policy", ""), f"{where}: no CSP"
    assert headers.get("X-Content-Type-Options") == "nosniff", f"{where}: no nosniff"
    assert headers.get("Referrer-Policy") == "no-referrer", f"{where}: Referrer-Policy"
    assert headers.get("X-Frame-Options") == "DENY", f"{where}: X-Frame-Options"
    assert headers.get("Cache-Control") == "no-store", f"{where}: Cache-Control"


def one_h1(page: Page, where: str) -> None:
    assert len(page.h1s) == 1, f"{where} has {len(page.h1s)} <h1>: {page.h1s}"


def _same(expected: Any, shown: Any) -> bool:
    if isinstance(expected, tuple) and isinstance(shown, tuple):  # date parts: 3 == 03
        norm = [(int(p) if p.isdecimal() else p) for p in expected]
        return norm == [(int(p) if p.isdecimal() else p) for p in shown]
    return bool(expected == shown)


def answers_shown_as_saved(path: str, saved: dict[str, Any], shown: dict[str, Any]) -> None:
    wrong = {n: (v, shown.get(n)) for n, v in saved.items() if not _same(v, shown.get(n))}
    assert not wrong, f"{path} shows other answers than were saved (saved, shown): {wrong}"


def typed_input_shown_again(path: str, typed: dict[str, Any], shown: dict[str, Any]) -> None:
    wrong = {n: (v, shown.get(n)) for n, v in typed.items() if not _same(v, shown.get(n))}
    assert not wrong, f"{path} lost what was typed (typed, shown): {wrong}"


def error_messages_plain(page: Page, where: str) -> None:
    assert page.errors, f"{where} has an error summary but no messages"
    raw = [e for e in page.errors if not e or EXCEPTION_TEXT.search(e)]
    assert not raw, f"{where} shows a raw library message: {raw}"


def impossible_date_named(page: Page, where: str) -> None:
    assert any("real date" in e for e in page.errors), f"{where}: not 'real date': {page.errors}"


def errors_redirect_to_get(result: Result, where: str) -> None:
    """POST-redirect-GET: a refresh or Back of an error page must not repeat the POST."""
    status = result.first.status_code if result.first else None
    assert status in (302, 303), f"POST {where} with errors answered {status}, not a redirect"
    assert result.visit.method == "GET" and result.page is not None and result.page.errors


def invalid_answer_rejected(accepted: bool, kind: str, where: str) -> None:
    assert not accepted, f"{where} accepted an invalid answer ({kind})"


def draft_row_gone(app: Flask, draft_id: str, why: str) -> None:
    with database(app).engine.connect() as connection:
        row = connection.execute(select(Draft.id).where(Draft.id == draft_id)).first()
    assert row is None, f"the draft's row is still in the database after {why}"


def receipt_has_16_digits(page: Page, where: str) -> None:
    digits = re.sub(r"\D", "", page.receipt or "")
    assert len(digits) == 16, f"{where}: receipt {page.receipt!r} is not 16 digits"


def one_report_per_draft(draft_id: str | None, receipt: str, sent: dict[str, str]) -> None:
    """A draft sent again (a double click, a refresh) shows the same receipt: no new one."""
    earlier = sent.get(draft_id or "")
    assert earlier in (None, receipt), "a second report was made from a draft already sent"


def reports_match_receipts(created: int, receipts: int) -> None:
    assert created == receipts, f"{created} reports were made but {receipts} receipts shown"


# --- The machine. ---


def _blank(value: Any) -> bool:
    return value in (None, "", [], ("", "", ""))


def _model(form: Form, data: list[tuple[str, str]]) -> dict[str, Any]:
    """What the form should show for a body: each field as sent (text stripped, as stored)."""
    sent: dict[str, list[str]] = {}
    for name, value in data:
        sent.setdefault(name, []).append(value)
    typed: dict[str, Any] = {}
    for name, values in form.radios.items():
        first = sent.get(name, [None])[0]
        typed[name] = first if first in values else None
    for name, values in form.checkboxes.items():
        typed[name] = sorted({v for v in sent.get(name, []) if v in values})
    for name in [*form.texts, *form.textareas]:
        typed[name] = sent.get(name, [""])[0].strip()
    for name in form.dates:
        parts = [p.strip()[:10] for p in sent.get(name, [])[:3]]
        typed[name] = tuple(parts + [""] * (3 - len(parts)))
    return typed


class JourneyPaths(RuleBasedStateMachine):
    """One person with one browser, from the start page on."""

    def __init__(self, app: Flask, stats: dict[str, int] | None = None) -> None:
        super().__init__()
        self.app = app
        self.stats = stats if stats is not None else {}
        self.cookie_name: str = app.config["DRAFT_COOKIE_NAME"]
        app.test_client_class = HttpsClient
        self.client = app.test_client()
        self.history: list[Visit] = []
        self.result: Result | None = None
        # The model: answers accepted per question page, and when each was saved.
        self.saved: dict[str, dict[str, Any]] = {}
        self.saved_at: dict[str, int] = {}
        self.changes = 0  # accepted answers that replaced a different one (may drop others)
        self.pending: tuple[Visit, dict[str, Any]] | None = None  # last error page, typed
        self.draft_id: str | None = None
        self.genuine = False  # the cookie is the one the service gave us
        self.sent: dict[str, str] = {}  # draft id: the receipt its sending showed
        self.receipts = 0  # distinct receipts shown
        self.reports_at_start = self._reports()
        self._counted_start = False
        self.go(Visit("GET", START))

    # -- A browser. --

    def _reports(self) -> int:
        with database(self.app).engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Report)).scalar_one())

    def _cookie(self) -> str | None:
        cookie = self.client.get_cookie(self.cookie_name)
        return cookie.value if cookie and cookie.value else None  # "" is no cookie

    def _request(self, visit: Visit) -> TestResponse:
        data = MultiDict(list(visit.data)) if visit.data is not None else None
        response = self.client.open(visit.url, method=visit.method, data=data)
        where = f"{visit.method} {visit.url}"
        no_server_error(response, where)
        security_headers_present(response, where)
        return response

    def go(self, visit: Visit, *, replace: bool = False) -> Result:
        """Make a request and follow redirects in the service, as a browser does."""
        if urlsplit(visit.url).netloc:  # Back to the site "Exit this page" went to
            self.result = Result(None, None, visit, None, left=True)
            return self.result
        cookie_before = self._cookie()
        first = response = self._request(visit)
        final, left = visit, False
        for _hop in range(10):
            if response.status_code not in REDIRECTS:
                break
            location = urlsplit(response.location or "")
            if location.netloc and location.netloc != "localhost":
                final, left = Visit("GET", response.location or ""), True
                break
            url = location.path + (f"?{location.query}" if location.query else "")
            final = visit if response.status_code in (307, 308) else Visit("GET", url)
            response = self._request(final)
        page = None
        if not left and response.mimetype == "text/html" and response.status_code not in REDIRECTS:
            page = read_page(response.get_data(as_text=True))
            one_h1(page, f"{final.method} {final.url}")
        self.result = Result(first, response, final, page, left)
        if replace and self.history:
            self.history[-1] = final
        else:
            self.history.append(final)
        self._after(visit, cookie_before, fresh=not replace)
        return self.result

    # -- What each response means for the model. --

    def _after(self, visit: Visit, cookie_before: str | None, *, fresh: bool) -> None:
        result = self.result
        assert result is not None
        if visit.method == "POST" and urlsplit(visit.url).path == CHECK:
            self._after_send(result, cookie_before)
        self._follow_cookie()
        if visit.typed is not None:
            self._after_answer(visit, result, fresh=fresh)
        elif result.visit.method == "GET" and result.page is not None:
            self._after_view(result)

    def _follow_cookie(self) -> None:
        value = self._cookie()
        new_id = value.partition(".")[0] if value else None
        if new_id == self.draft_id:
            return
        if self.draft_id is not None and self.genuine:
            draft_row_gone(self.app, self.draft_id, "the service let the draft go")
        self.draft_id, self.genuine = new_id, new_id is not None
        self.saved.clear()
        self.saved_at.clear()
        self.pending = None

    def _after_send(self, result: Result, cookie_before: str | None) -> None:
        draft_id = cookie_before.partition(".")[0] if cookie_before else None
        if result.page is not None and result.page.receipt is not None:
            receipt_has_16_digits(result.page, "the confirmation page")
            receipt = re.sub(r"\D", "", result.page.receipt)
            one_report_per_draft(draft_id, receipt, self.sent)
            if (draft_id or "") not in self.sent:
                self.sent[draft_id or ""] = receipt
                self.receipts += 1
        reports_match_receipts(self._reports() - self.reports_at_start, self.receipts)

    def _after_answer(self, visit: Visit, result: Result, *, fresh: bool) -> None:
        """``fresh``: posted from the page just shown, to our own draft, so the model knows
        what the service should do; a resubmission (Back, refresh) may meet another state."""
        path = urlsplit(visit.url).path
        page = result.page
        where = f"{path} ({visit.kind})"
        rejected = page is not None and page.error_summary
        accepted = (
            result.first is not None
            and result.first.status_code in REDIRECTS
            and result.path != path
            and not rejected
            and (result.path in (CHECK, IN_DANGER) or self._question_form(result) is not None)
        )
        known = fresh and self.genuine
        if visit.must_reject and known:
            invalid_answer_rejected(accepted, visit.must_reject, where)
        if rejected and page is not None and visit.typed is not None:
            error_messages_plain(page, where)
            if visit.must_reject == "impossible date":
                impossible_date_named(page, where)
            form = page.post_form
            if form is not None and result.path == path:
                typed_input_shown_again(path, visit.typed, form.shown())
            errors_redirect_to_get(result, where)
            self.pending = (result.visit, visit.typed)
        elif accepted and not known:  # stored or not: the model no longer knows this page
            self.saved.pop(path, None)
            self.changes += 1
            self.pending = None  # nor what its error page should show
        elif accepted and visit.typed is not None:
            if path in self.saved and self.saved[path] != visit.typed:
                self.changes += 1
            self.saved[path] = visit.typed
            self.saved_at[path] = self.changes
            self.pending = None
            if result.visit.method == "GET" and result.page is not None:
                self._after_view(result)

    def _question_form(self, result: Result | None) -> Form | None:
        if result is None or result.page is None or result.path == CHECK:
            return None
        if result.path.startswith("/replies"):
            # Not a question: the receipt pages (their own machine, test_replies_paths.py)
            # never show a typed receipt again, on purpose.
            return None
        form = result.page.post_form
        if form is None or urlsplit(form.action).path != result.path:
            return None
        return form if form.field_names() else None

    def _after_view(self, result: Result) -> None:
        if self.pending is not None:
            if result.visit == self.pending[0]:
                form = self._question_form(result)
                shown = form.shown() if form else {}
                typed_input_shown_again(result.path, self.pending[1], shown)
                return
            self.pending = None
        form = self._question_form(result)
        if form is not None and result.path in self.saved:
            shown = form.shown()
            dropped = self.saved_at[result.path] < self.changes
            if dropped and all(_blank(shown.get(n)) for n in self.saved[result.path]):
                del self.saved[result.path]  # a changed answer made the journey ask again
            else:
                answers_shown_as_saved(result.path, self.saved[result.path], shown)
        if result.path == CHECK and result.page is not None:
            listed = {urlsplit(href).path for href in result.page.change_links}
            for path in [p for p in self.saved if p not in listed]:
                assert self.saved_at[path] < self.changes, f"{path}'s answers left the check page"
                del self.saved[path]

    # -- Answers. --

    def _valid(self, form: Form, data: st.DataObject) -> list[tuple[str, str]]:
        body: list[tuple[str, str]] = list(form.hidden)
        for name, values in form.radios.items():
            body.append((name, data.draw(st.sampled_from(values))))
        for name, values in form.checkboxes.items():
            chosen = data.draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
            body += [(name, v) for v in chosen]
        for name in [*form.texts, *form.textareas]:
            kind = form.input_types.get(name, "textarea")
            text = {"email": "person@example.org", "tel": "01632 960 001"}.get(kind)
            body.append((name, text or data.draw(SENSIBLE.filter(str.strip))))
        for name in form.dates:
            day = data.draw(st.dates(dt.date(2000, 1, 1), dt.date.today() - dt.timedelta(days=1)))
            no_day = data.draw(st.booleans())
            body += [(name, "" if no_day else str(day.day)), (name, str(day.month))]
            body.append((name, str(day.year)))
        return body

    def _submit(
        self, form: Form, body: list[tuple[str, str]], must_reject: str = "", kind: str = ""
    ) -> None:
        typed = _model(form, body)
        self.go(Visit("POST", form.action, tuple(body), typed, must_reject, kind or "valid answer"))

    @precondition(lambda self: self._question_form(self.result) is not None)
    @rule(data=st.data())
    def answer_validly(self, data: st.DataObject) -> None:
        form = self._question_form(self.result)
        assert form is not None
        self._submit(form, self._valid(form, data))

    @precondition(lambda self: self._question_form(self.result) is not None)
    @rule(data=st.data())
    def answer_to_the_end(self, data: st.DataObject) -> None:
        """A person who answers page after page: up to the check page, or stops on the way."""
        for _page in range(data.draw(st.integers(1, 60), label="pages")):
            form = self._question_form(self.result)
            if form is None and self.result is not None and self.result.path != CHECK:
                # A page that stops the journey (say, "call 999"): they go back and rethink.
                self.history.pop()
                self.go(self.history[-1], replace=True)
                form = self._question_form(self.result)
            if form is None:
                break
            self._submit(form, self._valid(form, data))

    @precondition(lambda self: self._question_form(self.result) is not None)
    @rule(data=st.data())
    def answer_invalidly(self, data: st.DataObject) -> None:
        form = self._question_form(self.result)
        assert form is not None
        body = self._valid(form, data)
        kinds = _mutations(form)
        kind = data.draw(st.sampled_from(sorted(kinds)))
        body, must_reject = kinds[kind](form, body, data)
        self._submit(form, body, must_reject, kind)

    # -- Moving about: each way a person gets to another page, where the page offers it. --

    def _ways_to_move(self) -> list[str]:
        page = self.result.page if self.result is not None else None
        ways = ["check page"]
        if len(self.history) >= 2:
            ways.append("browser back")
        if self.result is not None and not self.result.left:
            ways.append("refresh")
        if self.saved:
            ways.append("revisit")
        if page is not None:
            ways += ["back link"] if page.back_links else []
            ways += ["change link"] if page.change_links else []
            ways += ["a link"] if page.local_links() else []
        return ways

    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        way = data.draw(st.sampled_from(self._ways_to_move()), label="way")
        page = self.result.page if self.result is not None else None
        if way == "browser back":  # re-request the previous entry; a POST is resubmitted
            self.history.pop()
            self.go(self.history[-1], replace=True)
        elif way == "refresh":  # the same request again, same method and body
            self.go(self.history[-1], replace=True)
        elif way == "check page":
            self.go(Visit("GET", CHECK))
        elif way == "revisit":
            self.go(Visit("GET", data.draw(st.sampled_from(sorted(self.saved)))))
        else:
            assert page is not None
            hrefs = {
                "back link": page.back_links,
                "change link": page.change_links,
                "a link": page.local_links(),
            }[way]
            self.go(Visit("GET", data.draw(st.sampled_from(hrefs)).partition("#")[0]))

    @precondition(lambda self: self._question_form(self.result) is None)
    @rule()
    def start_again(self) -> None:
        """From any page that is not a question: the start page, and "Start now"."""
        self.go(Visit("GET", START))
        assert self.result is not None and self.result.page is not None
        form = self.result.page.post_form
        assert form is not None, "the start page has no form"
        self.go(Visit("POST", form.action, tuple(form.hidden)))

    # -- Sending. --

    def _on_check_page(self) -> bool:
        """The check page itself, with its Send form (at its address, the page that says the
        answers cannot be found has a form too: Start again)."""
        result = self.result
        return (
            result is not None
            and result.path == CHECK
            and result.page is not None
            and result.page.post_form is not None
            and urlsplit(result.page.post_form.action).path == CHECK
        )

    @precondition(_on_check_page)
    @rule(twice=st.booleans())
    def send(self, twice: bool) -> None:
        """Send the report; ``twice`` is a double click: both requests carry the cookie."""
        assert self.result is not None and self.result.page is not None
        form = self.result.page.post_form
        assert form is not None
        cookie = self._cookie()
        self.go(Visit("POST", form.action, tuple(form.hidden)))
        if twice and cookie is not None:
            self.client.set_cookie(self.cookie_name, cookie)
            self.go(Visit("POST", form.action, tuple(form.hidden)), replace=True)

    # -- Leaving, and what happens to the draft's cookie and row. --

    @rule(
        how=st.sampled_from(["exit", "expire", "lose", "flip", "truncate", "another"]),
        data=st.data(),
    )
    def leave_or_spoil(self, how: str, data: st.DataObject) -> None:
        """Exit this page, an hour away, or a cookie lost or tampered with."""
        value = self._cookie()
        if how == "exit":
            self.go(Visit("GET", "/exit"))
            return
        if how == "expire":
            self._expire()
            return
        if value is None:
            return
        if how == "lose":
            self.client.delete_cookie(self.cookie_name)
        elif how == "flip":
            at = data.draw(st.integers(0, len(value) - 1))
            flipped = "0" if value[at] != "0" else "1"
            self.client.set_cookie(self.cookie_name, value[:at] + flipped + value[at + 1 :])
        elif how == "truncate":
            self.client.set_cookie(self.cookie_name, value[: data.draw(st.integers(0, 40))])
        else:
            self.client.set_cookie(self.cookie_name, self._another_draft())
        spoiled = self._cookie()
        self.draft_id = spoiled.partition(".")[0] if spoiled else None
        self.genuine = False  # whatever the service does with it now, it is not our draft
        self.saved.clear()
        self.saved_at.clear()
        self.pending = None

    def _another_draft(self) -> str:
        other = self.app.test_client()
        page = read_page(other.get(START).get_data(as_text=True))
        form = page.post_form
        assert form is not None
        other.post(form.action, data=MultiDict(form.hidden))
        cookie = other.get_cookie(self.cookie_name)
        assert cookie is not None
        return cookie.value

    def _expire(self) -> None:
        """An hour without activity, without sleeping: the row's expiry moves into the past."""
        if self.draft_id is None or not self.genuine:
            return
        past = clock.utcnow() - dt.timedelta(minutes=1)
        value = self._cookie()
        cookie = drafts.DraftCookie.parse(value)
        if value is not None and cookie is not None:  # the expiry is under the cookie's key
            if cookie.sent:
                set_sent_until(self.app, value, past)
            else:
                set_draft_expiry(self.app, value, past)
        self.saved.clear()
        self.pending = None

    @invariant()
    def tally_steps(self) -> None:
        if self._counted_start:
            self.stats["steps"] = self.stats.get("steps", 0) + 1
        self._counted_start = True


Mutation = Callable[[Form, list[tuple[str, str]], st.DataObject], tuple[list[tuple[str, str]], str]]


def _replace(body: list[tuple[str, str]], name: str, values: list[str]) -> list[tuple[str, str]]:
    return [(n, v) for n, v in body if n != name] + [(name, v) for v in values]


def _pick(data: st.DataObject, names: list[str]) -> str:
    return data.draw(st.sampled_from(sorted(names)))


def _mutations(form: Form) -> dict[str, Mutation]:
    """The invalid (or suspicious) answers this form can be given; each says if it must fail."""
    choices = [*form.radios, *form.checkboxes]
    texts = [*form.texts, *form.textareas]
    kinds: dict[str, Mutation] = {}
    if choices:
        kinds["nothing chosen"] = lambda f, b, d: (_replace(b, _pick(d, choices), []), "")
        kinds["unknown choice"] = lambda f, b, d: (
            _replace(b, _pick(d, choices), ["not-an-option"]),
            "unknown choice",
        )
    if texts:
        kinds["empty text"] = lambda f, b, d: (
            _replace(b, _pick(d, texts), [d.draw(st.sampled_from(["", "   ", "\t"]))]),
            "",
        )
        kinds["hostile text"] = lambda f, b, d: (
            _replace(b, _pick(d, texts), [d.draw(st.sampled_from(HOSTILE))]),
            "",
        )
        kinds["100k characters"] = lambda f, b, d: (
            _replace(b, _pick(d, texts), ["a" * 100_000]),
            "100k characters",
        )
    if form.maxlength:
        kinds["over maxlength"] = lambda f, b, d: _over_maxlength(f, b, d)
    kinds["repeated fields"] = lambda f, b, d: (
        b + [(n, v) for n, v in b if n in f.field_names() and n not in f.dates],
        "",
    )
    for name in form.dates:
        kinds["impossible date"] = lambda f, b, d, n=name: (
            _replace(b, n, list(d.draw(st.sampled_from(IMPOSSIBLE_DATES)))),
            "impossible date",
        )
        kinds["future date"] = lambda f, b, d, n=name: (_replace(b, n, _future(d)), "future date")
        kinds["not a number"] = lambda f, b, d, n=name: _not_number(b, n, d)
        kinds["missing date part"] = lambda f, b, d, n=name: _missing_part(b, n, d)
        kinds["extra date parts"] = lambda f, b, d, n=name: (
            b + [(n, "99"), (n, "x"), (n, "2020")],
            "",
        )
    return kinds


def _over_maxlength(
    form: Form, body: list[tuple[str, str]], data: st.DataObject
) -> tuple[list[tuple[str, str]], str]:
    name = _pick(data, list(form.maxlength))
    extra = data.draw(st.integers(1, 20))
    return _replace(body, name, ["b" * (form.maxlength[name] + extra)]), "over maxlength"


def _future(data: st.DataObject) -> list[str]:
    day = dt.date.today() + dt.timedelta(days=data.draw(st.integers(1, 4000)))
    return [str(day.day), str(day.month), str(day.year)]


def _not_number(
    body: list[tuple[str, str]], name: str, data: st.DataObject
) -> tuple[list[tuple[str, str]], str]:
    parts = ["12", "3", "2021"]
    parts[data.draw(st.integers(0, 2))] = data.draw(st.sampled_from(NOT_NUMBERS))
    return _replace(body, name, parts), "date not a number"


def _missing_part(
    body: list[tuple[str, str]], name: str, data: st.DataObject
) -> tuple[list[tuple[str, str]], str]:
    parts = ["12", "3", "2021"]
    if data.draw(st.booleans()):  # a browser sends the empty input
        parts[data.draw(st.integers(1, 2))] = ""
    else:  # a hand-made post leaves the inputs out
        parts = parts[: data.draw(st.integers(0, 2))]
    return _replace(body, name, parts), "missing month or year"


JOURNEY_SETTINGS = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    report_multiple_bugs=False,  # shrink one failure well rather than several slowly
)


@dataclass
class Factory:
    """Builds a machine on one app; every example of a run shares the app and its database."""

    app: Flask
    stats: dict[str, int] = field(default_factory=dict)

    def __call__(self) -> JourneyPaths:
        return JourneyPaths(self.app, self.stats)


def test_journey_survives_the_paths_people_take(make_app: Any, team: Any) -> None:
    # Every example shares the app: no limit may be reached, or a replayed example would meet
    # a 429 where the first run did not (hypothesis then calls the test flaky).
    unlimited = "100000 per minute"
    app = make_app(
        RATELIMIT_POST=unlimited,
        RATELIMIT_POST_NETWORK=unlimited,
        RATELIMIT_SUBMIT=unlimited,
        RATELIMIT_SUBMIT_NETWORK=unlimited,
    )
    run_state_machine_as_test(Factory(app), settings=JOURNEY_SETTINGS)
