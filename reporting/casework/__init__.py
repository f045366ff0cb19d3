"""Officers' casework: the words every part of it shares, and its three parts.

- ``listing``: the review list (filters, paging, counts per status); clear columns only.
- ``actions``: triage (status, assignment) and internal notes, each with its audit entry.
- ``opening``: finding one report, opening it with a team key, recording the read.

The list and its counts read clear columns only (ARCHITECTURE.md §3): an officer without a key
can triage nothing sealed, but a list page never decrypts anything either. Notes are encrypted
under the report's data key, so they are exactly as readable as the report itself.

Every function takes the database session and leaves committing to the caller, so a change and
its audit entry land together or not at all.
"""

from __future__ import annotations

STATUSES: list[tuple[str, str]] = [
    ("new", "New"),
    ("in-review", "In review"),
    ("referred", "Referred"),
    ("closed", "Closed"),
]
STATUS_LABELS = dict(STATUSES)

# Kept in clear (a code, never free text) so statistics can count outcomes without a key.
CLOSE_REASONS: list[tuple[str, str]] = [
    ("referred-police", "Referred to the police"),
    ("referred-support", "Referred to a support service"),
    ("no-further-action", "No further action"),
    ("duplicate", "Duplicate of another report"),
    ("resolved", "Resolved"),
    ("withdrawn", "Withdrawn by the reporter"),
]
CLOSE_REASON_LABELS = dict(CLOSE_REASONS)

# Officers' words for the clear reporter_type column (the journey asks it in the reporter's).
REPORTER_TYPES: list[tuple[str, str]] = [
    ("victim", "Victim"),
    ("witness", "Witness"),
    ("someone-else", "Someone they know"),
    ("centre", "Reporting centre"),
]
REPORTER_TYPE_LABELS = dict(REPORTER_TYPES)


class CaseworkError(Exception):
    """A casework action was refused."""
