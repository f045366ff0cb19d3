"""Tables. Columns named in ARCHITECTURE.md §3 as clear are clear; everything else is bytes
that only a key holder can open. No column holds an IP address, a user agent or a time finer
than a day for anything a reporter did.

Importing this package registers every table on ``Base.metadata``: staff.py holds the people
and keys, reports.py what reporters send, triage.py each officer's place in the list,
updates.py what reporters add through the receipt, alerts.py a reporter's address for alerts,
centres.py the third-party reporting centres.
"""

from __future__ import annotations

from .alerts import AlertAddress
from .base import Base
from .centres import Centre, CentreDistrict
from .reports import (
    Draft,
    Message,
    Note,
    ReceiptSession,
    Report,
    ReportIncidentType,
    ReportKey,
    ReportStrand,
)
from .staff import (
    AuditEntry,
    Grant,
    Invitation,
    RecoveryKey,
    RecoverySeal,
    SignInThrottle,
    StaffSession,
    Team,
    TeamKey,
    User,
)
from .triage import SeenMark
from .updates import ConsentChange, ReportAddition

__all__ = [
    "AlertAddress",
    "AuditEntry",
    "Base",
    "Centre",
    "CentreDistrict",
    "ConsentChange",
    "Draft",
    "Grant",
    "Invitation",
    "Message",
    "Note",
    "ReceiptSession",
    "RecoveryKey",
    "RecoverySeal",
    "Report",
    "ReportAddition",
    "ReportIncidentType",
    "ReportKey",
    "ReportStrand",
    "SeenMark",
    "SignInThrottle",
    "StaffSession",
    "Team",
    "TeamKey",
    "User",
]
