"""What officers are shown of what a reporter added through the receipt (reporter_updates.py):
the additions, dated; each change of what they agree to share, prominently; and, for a report
passed on, what the reporter had agreed to on the day it was (from the audit log's status
changes and the consent changes' history).

No reporter action is audited (the audit log's times have seconds). Instead, the first officer
to open the report after a change gets an audit entry of their own, ``consent-change-seen``,
naming the change's day and what changed: the only time in it is the officer's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import audit
from .models import AuditEntry, ConsentChange, Report
from .reporter_updates import AdditionView, additions

# What each choice means, as a sentence part ("... agreed to <this>").
POLICE_WORDS = {
    "with-details": "share it with the police, with their contact details",
    "without-details": "share it with the police, without their contact details",
    "no": "not share it with the police",
}
SUPPORT_WORDS = {
    "yes": "share it with a support service",
    "no": "not share it with a support service",
}
# Each choice as a short answer, for "changed from ... to ...".
POLICE_SHORT = {
    "with-details": "yes, with their contact details",
    "without-details": "yes, without their contact details",
    "no": "no",
}


@dataclass(frozen=True)
class ChangeView:
    changed_on: dt.date
    police_before: str | None
    police_after: str
    support_before: str | None
    support_after: str

    def summary(self) -> str:
        """What changed, in words (a part that did not change is not named)."""
        parts = []
        if self.police_before != self.police_after:
            was = POLICE_SHORT.get(self.police_before or "", "no answer")
            now = POLICE_SHORT.get(self.police_after, self.police_after)
            parts.append(
                f"sharing with the police changed from \u2018{was}\u2019 to \u2018{now}\u2019"
            )
        if self.support_before != self.support_after:
            was = self.support_before or "no answer"
            parts.append(
                f"sharing with support services changed from \u2018{was}\u2019 to "
                f"\u2018{self.support_after}\u2019"
            )
        return "; ".join(parts)


@dataclass(frozen=True)
class Referral:
    """The report was passed on on ``day``, when the reporter agreed to ``police``."""

    day: dt.date
    police: str | None
    support: str | None

    def agreed(self) -> str:
        return _agreed(self.police, self.support)


def _agreed(police: str | None, support: str | None) -> str:
    """What the reporter agreed to, in words."""
    return (
        f"{POLICE_WORDS.get(police or '', 'give no answer about the police')} and to "
        f"{SUPPORT_WORDS.get(support or '', 'give no answer about support services')}"
    )


@dataclass(frozen=True)
class OfficerUpdates:
    """What the report page shows of the reporter's additions and consent changes."""

    additions: list[AdditionView]
    changes: list[ChangeView]  # oldest first
    referrals: list[Referral]
    agreed_now: str  # what the reporter agrees to now, in words
    # Marked passed on, but the log names no day it was (a status set outside the service).
    passed_on_undated: bool = False


def _changes(db: Session, report: Report) -> list[ConsentChange]:
    return list(
        db.scalars(
            select(ConsentChange)
            .where(ConsentChange.report_id == report.id)
            .order_by(ConsentChange.position)
        )
    )


def _view(row: ConsentChange) -> ChangeView:
    return ChangeView(
        row.changed_on, row.police_before, row.police_after, row.support_before, row.support_after
    )


def _log(db: Session, report: Report) -> tuple[list[tuple[int, dt.date]], dict[int, int]]:
    """From the audit log: when the report was passed on (each entry's place and day), and
    the place of the entry in which an officer first saw each consent change (by position)."""
    rows = db.execute(
        select(AuditEntry.seq, AuditEntry.action, AuditEntry.occurred_at, AuditEntry.details)
        .where(AuditEntry.action.in_(("status-changed", "consent-change-seen")))
        .where(AuditEntry.subject == f"report:{report.reference}")
        .order_by(AuditEntry.seq)
    )
    passed_on: list[tuple[int, dt.date]] = []
    seen: dict[int, int] = {}
    for seq, action, occurred_at, details in rows:
        try:
            values = json.loads(details)
        except ValueError:
            continue
        if not isinstance(values, dict):
            continue
        if action == "status-changed" and values.get("new") == "referred":
            passed_on.append((seq, occurred_at.date()))
        elif action == "consent-change-seen" and isinstance(values.get("change"), int):
            seen.setdefault(values["change"], seq)
    return passed_on, seen


def _referrals(
    report: Report,
    log: tuple[list[tuple[int, dt.date]], dict[int, int]],
    changes: list[ConsentChange],
) -> list[Referral]:
    """What the reporter had agreed to when the report was passed on: the choices before the
    first change made after it, else the current ones. A change's time is not kept: one made
    the same day came first only if an officer saw it before the report was passed on (else
    the choices before it are named, the wider answer being the safer one to act on)."""
    passed_on, seen = log
    referrals = []
    for seq, day in passed_on:
        later = next(
            (
                c
                for c in changes
                if c.changed_on > day or (c.changed_on == day and seen.get(c.position, seq) >= seq)
            ),
            None,
        )
        police, support = (
            (later.police_before, later.support_before)
            if later is not None
            else (report.share_with_police, report.share_with_support)
        )
        referrals.append(Referral(day, police, support))
    return referrals


def for_officer(db: Session, report: Report, data_key: bytes, *, actor_id: int) -> OfficerUpdates:
    """The report's additions and consent changes for its page; the changes no officer has
    seen yet are marked seen, each with an audit entry in this officer's name."""
    rows = _changes(db, report)
    for row in rows:
        if not row.seen_by_team:
            audit.record(
                db,
                "consent-change-seen",
                actor_id=actor_id,
                subject=f"report:{report.reference}",
                change=row.position,
                changed_on=row.changed_on.isoformat(),
                police=f"{row.police_before}->{row.police_after}",
                support=f"{row.support_before}->{row.support_after}",
            )
    if any(not row.seen_by_team for row in rows):
        db.execute(
            update(ConsentChange)
            .where(ConsentChange.report_id == report.id)
            .values(seen_by_team=True)
        )
    referrals = _referrals(report, _log(db, report), rows) if rows else []
    return OfficerUpdates(
        additions(db, report, data_key),
        [_view(r) for r in rows],
        referrals,
        _agreed(report.share_with_police, report.share_with_support),
        bool(rows) and not referrals and report.status == "referred",
    )
