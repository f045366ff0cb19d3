"""Sending a report, and opening one with a team key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Insert, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import clocks, crypto, keyauth, sent
from .clock import utcnow
from .drafts import DraftCookie, answers_context, take_draft
from .keys import ACTIVE_KEYS_FOR_SEALING, NoTeamKey
from .models import Report, ReportIncidentType, ReportKey, ReportStrand, TeamKey

# No 0/O, 1/I/L: references are read aloud over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class ReportIncomplete(Exception):
    """The draft has no answers to send."""


class ReferenceClash(Exception):
    """Every reference picked for a report was already taken."""


class AlreadySent(Exception):
    """Another request sent this draft first (a double click): roll back, show its receipt."""


def data_key_context(report_id: str, key_id: str) -> bytes:
    return f"report:{report_id}:data-key:{key_id}:v1".encode()


def reporter_key_context(report_id: str) -> bytes:
    return f"report:{report_id}:reporter-key:v1".encode()


def reporter_data_key_context(report_id: str) -> bytes:
    return f"report:{report_id}:reporter-data-key:v1".encode()


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"HC-{chars[:4]}-{chars[4:]}"


_DIALECT_INSERTS: dict[str, Callable[[type[Report]], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


# Tries at inserting a report before giving up: a reference clash is rare (~40 bits), and a
# lost race for an arrival number means another send has just committed (see below).
REFERENCE_TRIES = 5
ARRIVAL_TRIES = 50


@functools.cache  # built once per database, like the drafts' statements
def _insert_report_statement(dialect: str) -> Insert:
    """INSERT INTO reports ... ON CONFLICT DO NOTHING, for this database, taking the next
    arrival number as it inserts; its rowcount (kept: SQLAlchemy keeps an INSERT's only on
    request) is 0 when the reference or the arrival number is taken.

    The number is one more than the highest committed. Two sends at once may both read the
    same highest: the second one's insert then waits on the unique index for the first to
    commit, inserts nothing, and tries again with the number after it (PostgreSQL; on SQLite
    the send already holds the write lock). So no two reports share a number, and a number
    is only ever given after every smaller one has committed.
    """
    highest = select(func.max(Report.arrival)).scalar_subquery()
    statement = (
        _DIALECT_INSERTS[dialect](Report)
        .values(arrival=func.coalesce(highest, 0) + 1)
        .on_conflict_do_nothing()
    )
    return statement.execution_options(preserve_rowcount=True)


def _reference_taken(connection: Connection, reference: str) -> bool:
    return (
        connection.execute(select(Report.id).where(Report.reference == reference)).first()
        is not None
    )


def send_report(
    db: Session,
    cookie: DraftCookie,
    answers: dict[str, Any],
    *,
    pepper: bytes,
    receipt_kdf: crypto.Argon2Params,
    today: dt.date,
    now: dt.datetime | None = None,
    first_look_days: int = clocks.FIRST_LOOK_WORKING_DAYS,
) -> sent.SentReceipt:
    """Turn the draft into a report: seal its key to every active team key, make a receipt.

    The report gets a fresh id and a fresh data key, and its answers are encrypted anew: so
    nothing a team-key holder can open leads back to the draft (its earlier versions, which a
    copy of the database may still hold, or the receipt its sent state keeps for a while).
    Only the clear triage columns are copied out (ARCHITECTURE.md §3). Rows are written with
    Core inserts: this is the hottest write in the service and the ORM's unit of work costs
    more than the crypto. The report's first look is due ``first_look_days`` working days
    after ``today`` (clocks.py).

    The draft row turns into its sent state (sent.py) first, by an UPDATE that only a draft
    not yet sent matches: a second send of the same draft (a double click) matches nothing
    and raises AlreadySent before writing anything, so it never makes a second report.
    """
    now = now or utcnow()
    draft = take_draft(db, cookie, now)
    if draft.answers is None:
        raise ReportIncomplete
    connection = db.connection()  # Core on the session's transaction: no ORM overhead
    receipt = crypto.generate_receipt()
    receipt_secrets = crypto.derive_receipt_secrets(receipt, pepper, receipt_kdf)
    reporter = crypto.generate_keypair()
    report_id = secrets.token_hex(16)
    data_key = crypto.new_data_key()
    # Only answers: anything kept with the draft under a "_" key (typed text) stays behind.
    sent_answers = {slug: value for slug, value in answers.items() if not slug.startswith("_")}
    sealed_answers = crypto.encrypt(
        data_key,
        json.dumps(sent_answers, separators=(",", ":")).encode(),
        context=answers_context(report_id),
    )

    def answer(slug: str, name: str) -> Any:
        return answers.get(slug, {}).get(name)

    incident_date = answer("when", "incident_date")
    row = {
        "id": report_id,
        "received_on": today,
        "due_on": clocks.due_on(today, first_look_days),
        "status": "new",
        "reporter_type": answer("reporting-as", "reporter_type") or "unknown",
        "district": answer("district", "district"),
        "incident_month": incident_date[:7] if incident_date else None,
        "told_police": answer("police", "told_police"),
        "share_with_police": answer("sharing", "share_with_police"),
        "share_with_support": answer("sharing", "share_with_support"),
        "in_danger": answer("danger", "danger") == "yes",
        # The list's markers (models/reports.py says what each means).
        "ongoing": answer("still-happening", "still_happening") == "ongoing",
        "wants_contact": answer("contact", "contact") not in (None, "receipt"),
        "support_requested": any(code != "nothing" for code in answer("impact", "support") or ()),
        "answers": sealed_answers,
        "receipt_lookup": receipt_secrets.lookup_id,
        "reporter_public_key": reporter.public_key,
        "reporter_private_key_encrypted": crypto.encrypt(
            receipt_secrets.unlock_key,
            reporter.private_key,
            context=reporter_key_context(report_id),
            key_id=reporter.key_id,
        ),
        # The reporter's copy of the data key: their receipt opens the private key, that opens
        # this, and this the report's messages (messages.py).
        "reporter_data_key": crypto.seal(
            reporter.public_key, data_key, context=reporter_data_key_context(report_id)
        ),
    }
    # Every row but the sealed data keys is built before the first write: on SQLite the write
    # lock is held from the first write to the commit, and another worker's send waits for it.
    strand_rows = [
        # With the report's status and district, copied for the strand-filtered list.
        {"report_id": report_id, "strand": s, "status": row["status"], "district": row["district"]}
        for s in sorted(set(answer("why", "strands") or []))
    ]
    type_rows = [
        {"report_id": report_id, "incident_type": t}
        for t in sorted(set(answer("what-happened", "incident_types") or []))
    ]
    # The first write: only the send that marks the draft sent may insert (a double click's
    # second send finds it sent and writes nothing).
    row["reference"] = new_reference()
    support = tuple(str(code) for code in answer("impact", "support") or ())
    shown = sent.SentReceipt(row["reference"], receipt, support)
    if not sent.mark_sent(connection, cookie, shown, now):
        raise AlreadySent
    key_rows = _seal_to_active_keys(db, connection, report_id, data_key)
    # A reference is 8 symbols of 31 (~40 bits): a clash is rare, so try the insert and pick
    # again when the reference is taken rather than look first on every report. ON CONFLICT
    # DO NOTHING inserts nothing on a clash, without a savepoint round trip (which on SQLite
    # also committed the report on its own, before its strands and keys). Nothing inserted
    # and the reference free: another send took the arrival number first; the next try takes
    # the one after.
    insert_report = _insert_report_statement(connection.dialect.name)
    clashes = 0
    for _ in range(ARRIVAL_TRIES):
        if connection.execute(insert_report, row).rowcount == 1:
            break
        if _reference_taken(connection, row["reference"]):
            clashes += 1
            if clashes == REFERENCE_TRIES:
                raise ReferenceClash(f"no free reference after {REFERENCE_TRIES} tries")
            row["reference"] = new_reference()
            shown = dataclasses.replace(shown, reference=row["reference"])
            sent.rewrite_receipt(connection, cookie, shown)
    else:
        raise ReferenceClash(f"no report inserted after {ARRIVAL_TRIES} tries")
    if strand_rows:
        connection.execute(insert(ReportStrand), strand_rows)
    if type_rows:
        connection.execute(insert(ReportIncidentType), type_rows)
    connection.execute(insert(ReportKey), key_rows)
    return shown


def _seal_to_active_keys(
    db: Session, connection: Connection, report_id: str, data_key: bytes
) -> list[dict[str, Any]]:
    """The report's data key sealed to every active team key, once each key is checked.

    Read after the send's first write, so the keys are those of the moment it commits: on
    SQLite that write holds the database's write lock until the commit, so a rotation cannot
    retire a key in between (the last step of a rotation is a write); on PostgreSQL the rows
    are read with a shared lock that the rotation's last step waits for. A send therefore
    never ends up sealed only to a key a rotation has just destroyed. One key failing its
    check (keyauth.py) stops the send: while the key table is in doubt no report is sealed,
    not even to the keys that pass, and the reporter's answers are kept (the caller rolls back).
    """
    team_keys = connection.execute(ACTIVE_KEYS_FOR_SEALING).all()
    if not team_keys:
        raise NoTeamKey
    keyauth.check(db, team_keys)
    return [
        {
            "report_id": report_id,
            "team_key_id": team_key.id,
            "sealed_data_key": crypto.seal(
                team_key.public_key,
                data_key,
                context=data_key_context(report_id, team_key.key_id),
            ),
        }
        for team_key in team_keys
    ]


class ReportSealed(crypto.DecryptionError):
    """None of the team keys held opens this report's data key."""


def open_data_key(db: Session, report: Report, team_keys: Mapping[str, bytes]) -> bytes:
    """Unwrap the report's data key with any team private key it was sealed to."""
    if not team_keys:
        raise ReportSealed("no team key held")
    rows = db.execute(
        select(ReportKey.sealed_data_key, TeamKey.key_id)
        .join(TeamKey, ReportKey.team_key_id == TeamKey.id)
        .where(ReportKey.report_id == report.id, TeamKey.key_id.in_(list(team_keys)))
    )
    for sealed, key_id in rows:
        try:
            return crypto.open_sealed(
                team_keys[key_id], sealed, context=data_key_context(report.id, key_id)
            )
        except crypto.DecryptionError:
            continue  # a damaged seal for one key must not hide a good one for another
    raise ReportSealed("no key held opens this report")


def read_answers(report: Report, data_key: bytes) -> dict[str, Any]:
    """The report's answers, decrypted with its data key."""
    answers: dict[str, Any] = json.loads(
        crypto.decrypt(data_key, report.answers, context=answers_context(report.id))
    )
    return answers


def open_report(db: Session, report: Report, team_keys: Mapping[str, bytes]) -> dict[str, Any]:
    """Decrypt a report's answers with any team private key it was sealed to."""
    return read_answers(report, open_data_key(db, report, team_keys))
