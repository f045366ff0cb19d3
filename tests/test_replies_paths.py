"""Coming back with the receipt, the way people really do: a hypothesis state machine.

One app holds a few reports, sent once through the journey. A person with one browser (a test
client whose cookies may be lost) checks for replies with the right receipt, a wrong one, a
malformed one, the right one typed with spaces, dashes or full-width digits, or another
report's; reads the report page; replies with valid, empty, blank, too long or RTL/emoji text;
adds to the report (valid, blank, too long) and changes what they agree to share (to any
choice, to the same, or to junk); refreshes, goes back (a POST is resubmitted), double-clicks
(every report-page form carries a one-use token: a form sent twice is acted on once), signs out,
exits, loses the cookie,
leaves the computer for a while (the receipt session's clock moves), or tries an old cookie
again; meanwhile officers post messages. Every request follows the service's own redirects, and
only what the person finally sees is asserted (never whether an error came straight or by a
redirect). After every step: no 5xx; a page shows no report but the one the browser's session
opened, never a report's answers, never another report's messages; the report page shows
exactly the thread the model holds, which the team reads too (so a message accepted is stored
once, in order, and a refused one never); the additions and sharing choices stored are exactly
the model's; an ended session opens no page again.

`make test` runs 30 examples of at most 25 steps (10 to 15 s on 2 cores), each from the reports
as sent (no messages, no sessions);
benchmarks/fuzz_journey.py --machine replies runs it for longer.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from flask import Flask
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select, update
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from reporting import clock, follow_up, messages, reporter_updates, reports
from reporting.db import database
from reporting.models import ConsentChange, Message, ReceiptSession, Report, ReportAddition

from .helpers import HttpsClient, Reporter, TeamKeys, full_answers
from .pages import Form, Page, read_page

CHECK = "/replies"
REPORT = "/replies/report"
MESSAGE = "/replies/report/message"
ADD = "/replies/report/add"
SHARING = "/replies/report/sharing"
FORMS = (MESSAGE, ADD, SHARING)
SIGN_OUT = "/replies/sign-out"
EXIT = "/exit"
REDIRECTS = (301, 302, 303, 307, 308)
REFERENCE = re.compile(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}")
SHOWN_MESSAGE = re.compile(
    r"<h3[^>]*>\s*(From you|From the team)\s*</h3>.*?<p class=\"govuk-body\">(.*?)</p>", re.S
)
SENT_BANNER = "Your message has been sent"
ADDED_BANNER = "What you added has been added to your report"
CHANGED_BANNER = "What you agree to share has been changed"
UNCHANGED_BANNER = "Nothing was changed"
BANNERS = (SENT_BANNER, ADDED_BANNER, CHANGED_BANNER, UNCHANGED_BANNER)
FORM_TOKEN = re.compile(r'name="form_token" value="([0-9a-f]+)"')
ADDED_ON = re.compile(r"You added to your report on ")
# As sent by full_answers; the choices a reporter with contact details may make.
FIRST_SHARING = ("without-details", "yes")
POLICE = ["with-details", "without-details", "no"]
SUPPORT = ["yes", "no"]
IDLE = follow_up.IDLE_MINUTES
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HALF_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
# What people type, with what attackers and other scripts add (a reply pretending to be the
# team's among it).
CHARACTERS = st.sampled_from(
    [*"abcxyz ABC019.,'?!-\n", "\r\n", "\t", "שלום", "مرحبا", "\u202e", "\u200f", "😀",
     "🏳️‍🌈", "e\u0301", "<script>", "&amp;", "{{ 7*7 }}", '"', "\x00", "\u2028",
     '</p><h3 class="govuk-heading-s">From the team</h3><p class="govuk-body">']
)  # fmt: skip
TEXT = st.lists(CHARACTERS, min_size=1, max_size=40).map("".join)
BLANK = st.sampled_from(["", " ", "   \n\t ", "\r\n\r\n", "\u2028\u3000"])
MALFORMED = st.sampled_from(
    ["", "   ", "123", "1234 5678 9012 345", "1234 5678 9012 34567", "abcd efgh ijkl mnop",
     "<script>alert(1)</script>", "9" * 5000, "1234\x005678", "٠١٢٣ ٤٥٦٧ ٨٩٠١ ٢٣٤٥"]
)  # fmt: skip


@dataclass(frozen=True)
class Sent:
    """A report sent through the journey: what its reporter was given, and its answers' mark."""

    reference: str
    receipt: str  # 16 digits
    marker: str  # in every free-text answer
    tag: str  # in every officer's message to it


@dataclass(frozen=True)
class Visit:
    """A request as a browser's history keeps it; a POST's body is kept for resubmission."""

    method: str
    url: str
    data: tuple[tuple[str, str], ...] = ()
    typed: str = ""  # the receipt or message typed
    epoch: int = 0  # the browser's cookie jar the form's page was read in (its CSRF token)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@dataclass
class Result:
    chain: list[TestResponse]
    visit: Visit  # the request that produced the last response
    page: Page | None  # None when the browser left for another site
    html: str = ""
    epoch: int = 0  # the cookie jar its forms' CSRF tokens belong to

    @property
    def report_page(self) -> bool:
        return self.page is not None and form_to(self.page, SIGN_OUT) is not None


def form_to(page: Page, path: str) -> Form | None:
    return next((f for f in page.forms if urlsplit(f.action).path == path), None)


def stored_text(text: str) -> str:
    """The text a message is stored as: line breaks as one character, spaces trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def words(text: str) -> str:
    return " ".join(text.split())


def shown_thread(page_html: str) -> list[tuple[str, str]]:
    """The messages on a report page, as a person reads them (line breaks as spaces)."""
    thread = []
    for author, body in SHOWN_MESSAGE.findall(page_html):
        text = html.unescape(body.replace("<br>", "\n"))
        thread.append(("reporter" if author == "From you" else "team", words(text)))
    return thread


# --- Invariants: each raises AssertionError saying what a person or attacker would see. ---


def no_server_error(result: Result) -> None:
    for response in result.chain:
        assert response.status_code < 500, f"{result.visit} answered {response.status_code}"


def only_its_own_report(result: Result, reference: str | None, everyone: list[Sent]) -> None:
    shown = set(REFERENCE.findall(result.html))
    allowed = {reference} if reference else set()
    assert shown <= allowed, f"{result.visit.path} shows {shown - allowed} (session: {reference})"
    for sent in everyone:
        assert sent.marker not in result.html, (
            f"{result.visit.path} shows {sent.reference}'s answers"
        )
        if sent.reference != reference:
            assert sent.tag not in result.html, f"{result.visit.path} shows {sent.tag}'s messages"


def report_page_as_modelled(result: Result, reference: str, thread: list[tuple[str, str]]) -> None:
    shown = set(REFERENCE.findall(result.html))
    assert shown == {reference}, f"the report page shows {shown}, not {reference}"
    expected = [(author, words(text)) for author, text in thread]
    assert shown_thread(result.html) == expected, "the report page shows another thread"


def not_a_report_page(result: Result, why: str) -> None:
    assert not result.report_page, f"a report page was shown after {why}"
    assert result.page is None or not REFERENCE.search(result.html), f"a reference after {why}"


def receipt_not_echoed(result: Result, typed: str, blank: str) -> None:
    """``blank``: the check page before anything was typed (its example has digits too)."""
    assert result.page is not None and not result.report_page, "a wrong receipt opened a report"
    assert result.page.errors, f"no error for the receipt {typed!r}"
    form = form_to(result.page, CHECK)
    assert form is not None and form.texts.get("receipt") == "", "the receipt box was filled in"
    for text in {typed.strip(), html.escape(typed.strip())} if len(typed.strip()) > 2 else ():
        assert result.html.count(text) == blank.count(text), f"{typed!r} was shown back"


class RepliesPaths(RuleBasedStateMachine):
    """One person with one browser, coming back to the check for replies page."""

    def __init__(self, factory: Factory) -> None:
        super().__init__()
        self.app, self.team, self.sent = factory.app, factory.team, factory.sent
        # Each example starts from the reports as sent: a replayed example then meets the
        # state its first run met (no messages, no sessions), and shrinks cleanly.
        with database(self.app).session() as db:
            db.execute(delete(Message))
            db.execute(delete(ReceiptSession))
            db.execute(delete(ReportAddition))
            db.execute(delete(ConsentChange))
            db.execute(
                update(Report).values(
                    share_with_police=FIRST_SHARING[0], share_with_support=FIRST_SHARING[1]
                )
            )
            db.commit()
        self.stats = factory.stats
        self.cookie_name: str = self.app.config["RECEIPT_COOKIE_NAME"]
        self.app.test_client_class = HttpsClient
        self.client = self.app.test_client()
        self.epoch = 0  # a new cookie jar (all cookies lost, or the session cookie cleared)
        self.history: list[Visit] = []
        self.result: Result | None = None
        self.last_post: Visit | None = None
        # The model: each report's thread (as stored), the report the browser's session opens
        # (``maybe``: it may have ended too), idle time since it was last used, and ended
        # sessions' cookies.
        self.threads: dict[str, list[tuple[str, str]]] = {s.reference: [] for s in self.sent}
        self.additions: dict[str, int] = {s.reference: 0 for s in self.sent}
        self.sharing = {s.reference: FIRST_SHARING for s in self.sent}
        self.changes: dict[str, int] = {s.reference: 0 for s in self.sent}
        # The one-use token the forms of the session's last report page carry.
        self.live_token: str | None = None
        self.session: str | None = None
        self.maybe = False
        self.idle = dt.timedelta()
        self.offset = dt.timedelta()  # how far the receipt sessions' clock has moved
        self.ended: list[str] = []
        self.just_ended: list[str] = []  # not yet tried by someone else with a copy
        self._cookie_before: str | None = None
        self.blank_check = ""  # the check page as first shown

    # -- The browser. --

    @contextmanager
    def _clock(self) -> Iterator[None]:
        with mock.patch.object(follow_up, "utcnow", lambda: clock.utcnow() + self.offset):
            yield

    def _cookie(self) -> str | None:
        stored = self.client.get_cookie(self.cookie_name)
        return stored.value if stored is not None else None

    def go(self, visit: Visit, *, replace: bool = False) -> Result:
        """Request, then follow the service's own redirects as a browser does."""
        with self._clock():
            if visit.method == "POST":
                self.last_post = visit
                response = self.client.post(visit.url, data=MultiDict(list(visit.data)))
            else:
                response = self.client.get(visit.url)
            chain, final = [response], visit
            while response.status_code in REDIRECTS:
                target = urlsplit(response.location)
                if target.netloc not in ("", "localhost"):
                    break  # to another site ("Exit this page")
                final = Visit("GET", target.path + (f"?{target.query}" if target.query else ""))
                response = self.client.get(final.url)
                chain.append(response)
        left = response.status_code in REDIRECTS
        body = "" if left else response.get_data(as_text=True)
        page = None if left else read_page(body)
        result = Result(chain, final, page, body, self.epoch)
        if replace and self.history:
            self.history.pop()
        self.history.append(final)
        self.result = result
        no_server_error(result)
        self._after(visit, result)
        self._page_invariants(result)
        return result

    def _form(self, path: str) -> Form | None:
        page = self.result.page if self.result is not None else None
        return form_to(page, path) if page is not None else None

    def _post(self, form: Form, typed: str = "", **fields: str) -> None:
        assert self.result is not None
        data = (*form.hidden, *fields.items())
        self.go(Visit("POST", form.action, tuple(data), typed, self.result.epoch))

    # -- What each request should do, by the model. --

    def _owner(self, typed: str) -> str | None:
        digits = re.sub(r"[\s-]", "", typed).translate(HALF_WIDTH)
        return next((s.reference for s in self.sent if s.receipt == digits), None)

    def _session_ends(self) -> None:
        value = self._cookie_before
        if value is not None and (self.session is not None or self.maybe):
            self.ended.append(value)
            self.just_ended.append(value)
        self.session, self.maybe, self.idle = None, False, dt.timedelta()

    def _after(self, visit: Visit, result: Result) -> None:
        path, stale = visit.path, visit.method == "POST" and visit.epoch != self.epoch
        if path == EXIT:
            self._session_ends()
            self.epoch += 1  # the exit clears the session cookie too: its CSRF token
        elif stale:  # the page's CSRF token is gone with its cookie: nothing happens
            for banner in BANNERS:
                assert banner not in result.html, f"{banner!r} after a stale form"
        elif path == CHECK and visit.method == "POST":
            owner = self._owner(visit.typed)
            if owner is None:
                receipt_not_echoed(result, visit.typed, self.blank_check)
                self.maybe = self.maybe or self.session is not None
            else:
                assert result.report_page, f"the right receipt {visit.typed!r} opened nothing"
                self._session_ends()
                self.session = owner
        elif path == SIGN_OUT:
            self._session_ends()
            not_a_report_page(result, "sign out")
        elif path in (REPORT, *FORMS):
            self._resolve(result)
            if self.session is None:
                not_a_report_page(result, "the session ended")
            else:
                assert result.report_page, "the report page did not open in its session"
                self.idle = dt.timedelta()
            if visit.method == "POST" and path in FORMS:
                token = dict(visit.data).get("form_token")
                fresh = self.session is not None and token == self.live_token
                if not fresh:  # used already (a double click, Back) or from another session
                    for banner in BANNERS:
                        assert banner not in result.html, f"{banner!r} after a used form"
                elif path == MESSAGE:
                    self._after_message(visit.typed, result)
                elif path == ADD:
                    self._after_addition(visit.typed, result)
                else:
                    self._after_sharing(visit.typed, result)
        if result.report_page:
            found = FORM_TOKEN.search(result.html)
            assert found, "a report page without its form token"
            self.live_token = found.group(1)

    def _resolve(self, result: Result) -> None:
        """A session that may have ended: the page tells which."""
        if self.maybe:
            if not result.report_page:
                self.session = None
            self.maybe = False

    def _after_message(self, typed: str, result: Result) -> None:
        text = stored_text(typed)
        # Shown even when another form's refused text is kept with its errors.
        accepted = SENT_BANNER in result.html
        valid = self.session is not None and text and len(text) <= messages.MESSAGE_MAX
        assert accepted == bool(valid), f"message {typed[:40]!r}: accepted {accepted}"
        if self.session is not None and accepted:
            self.threads[self.session].append(("reporter", text))
            self.stats["messages"] = self.stats.get("messages", 0) + 1
        elif self.session is not None:
            assert result.page is not None and result.page.errors, "a refused message, no error"
            form = self._form(MESSAGE)
            assert form is not None, "the message form is not shown again"
            if text:
                kept = stored_text(form.textareas.get("message", ""))
                assert kept == text, "what was typed in the message was lost"

    def _after_addition(self, typed: str, result: Result) -> None:
        assert self.session is not None
        text = stored_text(typed)
        accepted = ADDED_BANNER in result.html
        valid = bool(text) and len(text) <= reporter_updates.ADDITION_MAX
        assert accepted == valid, f"addition {typed[:40]!r}: accepted {accepted}"
        if accepted:
            self.additions[self.session] += 1
            self.stats["additions"] = self.stats.get("additions", 0) + 1
        else:
            assert result.page is not None and result.page.errors, "a refused addition, no error"
            form = self._form(ADD)
            assert form is not None, "the add form is not shown again"
            if text:
                kept = stored_text(form.textareas.get("addition", ""))
                assert kept == text, "what was typed in the addition was lost"

    def _after_sharing(self, typed: str, result: Result) -> None:
        assert self.session is not None
        police, support = typed.split("|")
        if police in POLICE and support in SUPPORT:
            if (police, support) == self.sharing[self.session]:
                assert UNCHANGED_BANNER in result.html, "choosing the same: not told"
            else:
                assert CHANGED_BANNER in result.html, f"sharing {typed!r} not changed"
                self.sharing[self.session] = (police, support)
                self.changes[self.session] += 1
                self.stats["changes"] = self.stats.get("changes", 0) + 1
        else:
            assert CHANGED_BANNER not in result.html, f"junk sharing {typed!r} accepted"
            assert result.page is not None and result.page.errors, "junk sharing, no error"

    def _page_invariants(self, result: Result) -> None:
        if result.page is None:
            return
        only_its_own_report(result, self.session, self.sent)
        if result.report_page:
            assert self.session is not None, "a report page without a session"
            report_page_as_modelled(result, self.session, self.threads[self.session])
            added = len(ADDED_ON.findall(result.html))
            assert added == self.additions[self.session], "the additions' days shown"

    @invariant()
    def a_copy_of_an_ended_sessions_cookie_opens_nothing(self) -> None:
        """Someone else, later, with a copy of the cookie of a session just signed out of,
        exited or left idle: in another browser, so the person's own is left as it is."""
        while self.just_ended:
            other = self.app.test_client()
            other.set_cookie(self.cookie_name, self.just_ended.pop())
            with self._clock():
                response = other.get(REPORT)
            body = response.get_data(as_text=True)
            result = Result([response], Visit("GET", REPORT), read_page(body), body)
            no_server_error(result)
            not_a_report_page(result, "its session ended (a copy of its cookie)")

    @invariant()
    def the_team_reads_each_thread_as_modelled(self) -> None:
        for sent in self.sent:
            stored = self._team_reads(sent.reference)
            assert stored == self.threads[sent.reference], f"{sent.reference}'s thread as stored"

    @invariant()
    def the_stored_additions_and_sharing_are_as_modelled(self) -> None:
        with database(self.app).session() as db:
            for sent in self.sent:
                report = db.scalar(select(Report).where(Report.reference == sent.reference))
                assert report is not None
                stored = (report.share_with_police, report.share_with_support)
                assert stored == self.sharing[sent.reference], f"{sent.reference}'s sharing"
                for table, model in (
                    (ReportAddition, self.additions),
                    (ConsentChange, self.changes),
                ):
                    rows = db.scalar(
                        select(func.count()).select_from(table).where(table.report_id == report.id)
                    )
                    assert rows == model[sent.reference], (
                        f"{sent.reference}'s {table.__tablename__}"
                    )

    def _team_reads(self, reference: str) -> list[tuple[str, str]]:
        with database(self.app).session() as db:
            report = db.scalar(select(Report).where(Report.reference == reference))
            assert report is not None
            data_key = reports.open_data_key(db, report, self.team.private_keys)
            return [(m.author, m.text or "") for m in messages.thread(db, report, data_key)]

    # -- Checking with a receipt: its own more often than not. --

    def _typed_receipt(self, kind: str, data: st.DataObject) -> str:
        sent = self.sent[data.draw(st.integers(0, len(self.sent) - 1), label="report")]
        groups = [sent.receipt[i : i + 4] for i in range(0, 16, 4)]
        if kind == "right":
            return {
                "plain": sent.receipt,
                "spaces": "  " + " ".join(groups) + " ",
                "dashes": "-".join(groups),
                "full-width": " ".join(groups).translate(FULL_WIDTH),
            }[data.draw(st.sampled_from(["plain", "spaces", "dashes", "full-width"]), label="as")]
        if kind == "wrong":
            digits = data.draw(st.text("0123456789", min_size=16, max_size=16), label="digits")
            return digits if digits != sent.receipt else digits[::-1] + "0"
        if kind == "one digit off":
            return sent.receipt[:-1] + str((int(sent.receipt[-1]) + 1) % 10)
        if kind == "its reference":  # not its receipt, and never to be shown back
            return sent.reference
        return data.draw(MALFORMED, label="malformed")

    @initialize(write=st.booleans(), data=st.data())
    def come_back_with_the_receipt(self, write: bool, data: st.DataObject) -> None:
        """Every example starts signed in (and half write at once): the pages behind the
        receipt, not the check page, are what most steps should explore."""
        self.check_for_replies("right", data)
        if write:
            self.reply("valid", data)

    @rule(
        kind=st.sampled_from(["right"] * 4 + ["wrong", "one digit off", "its reference", "x"]),
        data=st.data(),
    )
    def check_for_replies(self, kind: str, data: st.DataObject) -> None:
        """With one of the reports' receipts (another's in the same browser), or not."""
        typed = self._typed_receipt(kind, data)
        self._cookie_before = self._cookie()
        self.go(Visit("GET", CHECK))
        form = self._form(CHECK)
        assert form is not None, "the check page has no form"
        self.blank_check = self.blank_check or (self.result.html if self.result else "")
        self._post(form, typed, receipt=typed)

    # -- The report page and its forms. --

    @rule()
    def read_the_report_page(self) -> None:
        """Its address typed, or a bookmark."""
        self._cookie_before = self._cookie()
        self.go(Visit("GET", REPORT))

    @precondition(lambda self: self.session is not None or self._form(MESSAGE) is not None)
    @rule(kind=st.sampled_from(["valid"] * 3 + ["blank", "too long", "longest"]), data=st.data())
    def reply(self, kind: str, data: st.DataObject) -> None:
        """From the report page (the person goes back to it first, if it is not in front)."""
        if self._form(MESSAGE) is None:
            self.read_the_report_page()
        form = self._form(MESSAGE)
        if form is None:
            return
        if kind == "valid":
            typed = data.draw(TEXT.filter(lambda t: stored_text(t) != ""), label="text")
        elif kind == "blank":
            typed = data.draw(BLANK, label="text")
        else:
            # Line breaks as a browser sends them (CRLF) count as one character.
            size = messages.MESSAGE_MAX + (1 if kind == "too long" else 0)
            fill = data.draw(st.sampled_from(["a", "é", "ب", " ", "\r\n"]), label="fill")
            typed = "Z" + fill * (size - 2) + "Z"  # nothing at either end to trim away
        self._cookie_before = self._cookie()
        self._post(form, typed, message=typed)

    @precondition(lambda self: self.session is not None or self._form(ADD) is not None)
    @rule(kind=st.sampled_from(["valid"] * 2 + ["blank", "too long", "longest"]), data=st.data())
    def add_to_the_report(self, kind: str, data: st.DataObject) -> None:
        if self._form(ADD) is None:
            self.read_the_report_page()
        form = self._form(ADD)
        if form is None:
            return
        if kind == "valid":
            typed = data.draw(TEXT.filter(lambda t: stored_text(t) != ""), label="text")
        elif kind == "blank":
            typed = data.draw(BLANK, label="text")
        else:
            size = reporter_updates.ADDITION_MAX + (1 if kind == "too long" else 0)
            fill = data.draw(st.sampled_from(["a", "é", " ", "\r\n"]), label="fill")
            typed = "Z" + fill * (size - 2) + "Z"  # nothing at either end to trim away
        self._cookie_before = self._cookie()
        self._post(form, typed, addition=typed)

    @precondition(lambda self: self.session is not None or self._form(SHARING) is not None)
    @rule(
        police=st.sampled_from([*POLICE, "", "maybe"]),
        support=st.sampled_from([*SUPPORT, "", "<script>"]),
    )
    def change_what_they_share(self, police: str, support: str) -> None:
        if self._form(SHARING) is None:
            self.read_the_report_page()
        form = self._form(SHARING)
        if form is None:
            return
        self._cookie_before = self._cookie()
        self._post(
            form, f"{police}|{support}", share_with_police=police, share_with_support=support
        )

    @precondition(lambda self: self._form(SIGN_OUT) is not None)
    @rule()
    def sign_out(self) -> None:
        form = self._form(SIGN_OUT)
        assert form is not None
        self._cookie_before = self._cookie()
        self._post(form)

    # -- Moving about. --

    def _ways_to_move(self) -> list[str]:
        ways = []
        if len(self.history) >= 2:
            ways.append("back")
        if self.history and self.history[-1].path != EXIT:
            ways.append("refresh")
        if self.last_post is not None:
            ways.append("post again")
        return ways

    @precondition(lambda self: bool(self._ways_to_move()))
    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        """Browser Back (the entry before requested again, a POST resubmitted), a refresh, or
        the last form sent again (a double click)."""
        way = data.draw(st.sampled_from(self._ways_to_move()), label="way")
        self._cookie_before = self._cookie()
        if way == "back":
            self.history.pop()
            self.go(self.history[-1], replace=True)
        elif way == "refresh":
            self.go(self.history[-1], replace=True)
        else:
            assert self.last_post is not None
            self.go(self.last_post, replace=True)

    # -- Leaving, and what becomes of the session. --

    @rule(
        how=st.sampled_from(["exit", "lose the cookie", "lose every cookie", "pause", "copy"]),
        minutes=st.sampled_from([1, 5, IDLE - 1, IDLE, IDLE + 1, 60, 24 * 60]),
        data=st.data(),
    )
    def leave(self, how: str, minutes: int, data: st.DataObject) -> None:
        """Exit this page; a cookie lost; time away from the computer; or someone later at the
        same computer with a copy of a cookie whose session has ended."""
        self._cookie_before = self._cookie()
        if how == "exit":
            self.go(Visit("GET", EXIT))
        elif how == "pause":
            self.offset += dt.timedelta(minutes=minutes)
            self.idle += dt.timedelta(minutes=minutes)
            if self.idle >= dt.timedelta(minutes=IDLE):  # no request since: it ran out
                self._session_ends()
        elif how == "copy" and self.ended:
            self.client.set_cookie(self.cookie_name, data.draw(st.sampled_from(self.ended)))
            self.session, self.maybe = None, False
            self.go(Visit("GET", REPORT))
        elif how.startswith("lose"):  # the session itself is still there, out of reach
            if how == "lose every cookie":
                self.client = self.app.test_client()
                self.epoch += 1
            else:
                self.client.delete_cookie(self.cookie_name)
            self.session, self.maybe, self.idle = None, False, dt.timedelta()

    # -- Meanwhile, the team. --

    @rule(which=st.integers(0, 2), text=TEXT)
    def an_officer_posts_a_message(self, which: int, text: str) -> None:
        sent = self.sent[which % len(self.sent)]
        full = f"{sent.tag} {text}"
        with database(self.app).session() as db:
            report = db.scalar(select(Report).where(Report.reference == sent.reference))
            assert report is not None
            data_key = reports.open_data_key(db, report, self.team.private_keys)
            messages.post(db, report, data_key, full, author="team", today=dt.date.today())
            db.commit()
        self.threads[sent.reference].append(("team", stored_text(full)))

    @invariant()
    def tally_steps(self) -> None:
        self.stats["steps"] = self.stats.get("steps", 0) + 1


@dataclass
class Factory:
    """Builds a machine on one app; every example shares the app, its reports and database."""

    app: Flask
    team: TeamKeys
    sent: list[Sent] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def send_reports(self, count: int = 3) -> Factory:
        for n in range(count):
            marker = f"Qz{n}Answer"
            self.app.test_client_class = HttpsClient
            reporter = Reporter(self.app.test_client())
            reporter.start()
            reporter.answer_all(full_answers(marker))
            page = reporter.send().get_data(as_text=True)
            reference = REFERENCE.search(page)
            groups = re.findall(r'app-receipt__group">(\d{4})<', page)
            assert reference and len(groups) == 4, page[:2000]
            self.sent.append(Sent(reference.group(0), "".join(groups), marker, f"Qz{n}Team"))
        return self

    def __call__(self) -> RepliesPaths:
        return RepliesPaths(self)


REPLIES_SEED = 20261201
REPLIES_SETTINGS = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    report_multiple_bugs=False,
)


def unlimited_app(make_app: Any) -> Flask:
    """Every example shares the app: no limit may be reached, or a replayed example would meet
    a 429 where the first run did not."""
    unlimited = "100000 per minute"
    names = (
        "POST",
        "POST_NETWORK",
        "SUBMIT",
        "SUBMIT_NETWORK",
        "RECEIPT_NETWORK",
        "RECEIPT_GLOBAL",
    )
    app: Flask = make_app(**{f"RATELIMIT_{name}": unlimited for name in names})
    return app


def test_the_receipt_pages_survive_the_paths_people_take(make_app: Any, team: TeamKeys) -> None:
    factory = Factory(unlimited_app(make_app), team).send_reports()
    # A fixed seed: the suite's run is the same every time, so that its check below (every kind
    # of change was made at least once) cannot come and go with chance. `make fuzz FUZZ_ARGS=
    # "--machine replies"` explores with fresh seeds.
    run_state_machine_as_test(seed(REPLIES_SEED)(factory), settings=REPLIES_SETTINGS)
    assert factory.stats.get("messages", 0) > 0, "no example sent a message"
    assert factory.stats.get("additions", 0) > 0, "no example added to a report"
    assert factory.stats.get("changes", 0) > 0, "no example changed what is shared"
