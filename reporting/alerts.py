"""Optional email alerts of a new message: the reporter's address, and the email itself.

A reporter may give an email address only to be told "you have a new message". The address is
encrypted under the report's DATA KEY (bound to the report and the purpose "alert-address"),
never under a server key: the server opens it only in the moments it holds that key, a receipt
session (set, show masked, delete) and an officer writing on or opening the report. A copy of
the database, or of the server with its configuration, holds no address it can open.

So an alert is sent only when an officer writes. If the SMTP server cannot take it, the row is
flagged ``pending`` (no time) and the alert is tried again the next time an officer opens or
writes on that report; the message itself is never lost for it. The email says only that there
is a message: never the message, the reference, or what the service is for (subject and body
are settings; so is the link, empty by default, as even an address can say what a service is).

The address is never logged: a failure logs "alert not sent" and the exception's class only
(smtplib's exceptions can carry the recipient). Functions take the session and leave
committing to the caller.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import crypto
from .models import AlertAddress, Report

log = logging.getLogger(__name__)

ADDRESS_MAX = 254
# The journey's email question's pattern, and nothing that could make one address into several
# (or into a header): no commas, semicolons, angle brackets, quotes, brackets or spaces.
_ADDRESS = re.compile(r"^[^@\s,;<>()\[\]\"\\]+@[^@\s,;<>()\[\]\"\\]+\.[^@\s,;<>()\[\]\"\\]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MASK = "\u2022\u2022\u2022"  # •••

SECURITY = ("none", "starttls", "ssl")

# The settings (config.py takes them into its defaults). No SMTP_HOST: alerts are off, and the
# receipt page does not offer them. SMTP_SECURITY "none" is for a relay on the same host only:
# config refuses a username with it (no password in clear).
DEFAULTS: dict[str, object] = {
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_SECURITY": "starttls",
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_FROM": None,
    "SMTP_TIMEOUT_SECONDS": 10,
    "ALERT_SUBJECT": "You have a new message",
    "ALERT_BODY": (
        "You have a new message.\n\n"
        "To read it, go back to the website where you were given your 16-digit receipt, "
        "and enter the receipt there.\n\n"
        "You asked for this email. You can stop these emails on the same website.\n"
    ),
    # Replaces "{link}" in ALERT_BODY. Empty by default: a link can say what the service is.
    "ALERT_LINK": "",
}

Outcome = Literal["none", "sent", "pending"]


class InvalidAddress(ValueError):
    """Not an email address this service will write to."""


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    security: str
    username: str | None
    password: str | None = field(repr=False)
    sender: str
    timeout: float
    subject: str
    body: str


def _text(value: object) -> str | None:
    """A setting as text (an environment value is parsed as JSON: "123456" comes as a number)."""
    return None if value is None or value == "" else str(value)


def settings(config: Mapping[str, Any]) -> Settings | None:
    """The SMTP settings; None when alerts are off (no SMTP_HOST)."""
    if not config.get("SMTP_HOST"):
        return None
    body = str(config["ALERT_BODY"]).replace("{link}", str(config.get("ALERT_LINK") or ""))
    return Settings(
        host=str(config["SMTP_HOST"]),
        port=int(config["SMTP_PORT"]),
        security=str(config["SMTP_SECURITY"]),
        username=_text(config.get("SMTP_USERNAME")),
        password=_text(config.get("SMTP_PASSWORD")),
        sender=str(config["SMTP_FROM"]),
        timeout=float(config["SMTP_TIMEOUT_SECONDS"]),
        subject=str(config["ALERT_SUBJECT"]),
        body=body,
    )


def config_problem(config: Mapping[str, Any]) -> str | None:
    """What is wrong with the alert settings (config.py refuses to start), or None.

    Checked whether or not alerts are on, so that turning them on does not reveal a mistake.
    """
    if config.get("SMTP_SECURITY") not in SECURITY:
        return f"SMTP_SECURITY must be one of {', '.join(SECURITY)}."
    port, timeout = config.get("SMTP_PORT"), config.get("SMTP_TIMEOUT_SECONDS")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        return "SMTP_PORT must be a port number, 1 to 65535."
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 60:
        return "SMTP_TIMEOUT_SECONDS must be a number of seconds above 0, up to 60."
    subject, body = config.get("ALERT_SUBJECT"), config.get("ALERT_BODY")
    if not isinstance(subject, str) or not subject.strip() or _CONTROL.search(subject):
        return "ALERT_SUBJECT must be one line of text."
    if not isinstance(body, str) or not body.strip():
        return "ALERT_BODY must be text."
    if "{link}" in body and not config.get("ALERT_LINK"):
        return 'ALERT_BODY has "{link}" but ALERT_LINK is empty.'
    if not config.get("SMTP_HOST"):
        return None
    sender = config.get("SMTP_FROM")
    if not isinstance(sender, str) or _CONTROL.search(sender) or not _ADDRESS.match(sender):
        return "SMTP_FROM must be an email address when SMTP_HOST is set."
    if config.get("SMTP_USERNAME") and config.get("SMTP_SECURITY") == "none":
        return "SMTP_USERNAME needs SMTP_SECURITY starttls or ssl: no password is sent in clear."
    return None


# --- The address -----------------------------------------------------------------------------


def clean_address(text: str | None) -> str:
    """The address as it will be kept (spaces around it dropped); InvalidAddress if it is not
    one (the form says which error; this is the last word before anything is stored)."""
    address = (text or "").strip()
    if len(address) > ADDRESS_MAX or _CONTROL.search(address) or not _ADDRESS.match(address):
        raise InvalidAddress
    return address


def _context(report_id: str) -> bytes:
    return f"report:{report_id}:alert-address:v1".encode()


def set_address(db: Session, report_id: str, data_key: bytes, text: str | None) -> None:
    """Keep (or replace) the report's alert address, encrypted under its data key."""
    address = clean_address(text)
    sealed = crypto.encrypt(data_key, address.encode(), context=_context(report_id))
    row = db.get(AlertAddress, report_id)
    if row is None:
        db.add(AlertAddress(report_id=report_id, sealed_address=sealed, pending=False))
    else:
        row.sealed_address, row.pending = sealed, False


def delete_address(db: Session, report_id: str) -> None:
    """Forget the address: no email is sent for this report any more."""
    db.execute(delete(AlertAddress).where(AlertAddress.report_id == report_id))


def _open(row: AlertAddress, data_key: bytes) -> str | None:
    try:
        return crypto.decrypt(
            data_key, row.sealed_address, context=_context(row.report_id)
        ).decode()
    except crypto.DecryptionError:  # altered, or moved from another report: never used
        return None


def mask(address: str) -> str:
    """Enough for its owner to recognise it, not enough for anyone to learn it: the first
    letter of the name and of the domain, and the domain's last part ("j•••@e•••.org")."""
    local, _, domain = address.rpartition("@")
    host, _, top = domain.rpartition(".")
    return f"{local[:1]}{MASK}@{host[:1]}{MASK}.{top}"


def masked_address(db: Session, report_id: str, data_key: bytes) -> str | None:
    """The address, masked; None if there is none (or it does not open)."""
    row = db.get(AlertAddress, report_id)
    address = _open(row, data_key) if row is not None else None
    return mask(address) if address is not None else None


# --- Sending ---------------------------------------------------------------------------------


def _email(smtp: Settings, address: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = smtp.sender
    email["To"] = address
    email["Subject"] = smtp.subject
    # A day-precision Date would be odd to mail clients; the time is the sending server's
    # anyway (it records it), and it is an officer's time, not the reporter's.
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2])
    email.set_content(smtp.body)
    return email


def _send(smtp: Settings, address: str) -> None:
    email = _email(smtp, address)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(email, from_addr=smtp.sender, to_addrs=[address])


def notify(db: Session, report: Report, data_key: bytes, smtp: Settings | None) -> Outcome:
    """Email the report's reporter that there is a new message, if they asked to be.

    "none": no address (or alerts are off, or the address does not open); "sent"; "pending":
    the SMTP server did not take it, the row says so and the next officer's visit tries again.
    Never raises for the mail server: the officer's message is saved whatever happens here.
    """
    row = db.get(AlertAddress, report.id)
    if row is None or smtp is None:
        return "none"
    address = _open(row, data_key)
    if address is None:
        return "none"
    try:
        _send(smtp, address)
    except (OSError, ValueError, UnicodeError) as failure:  # smtplib's errors are OSErrors
        log.warning("alert not sent: %s", type(failure).__name__)
        row.pending = True
        return "pending"
    row.pending = False
    return "sent"


def retry(db: Session, report: Report, data_key: bytes, smtp: Settings | None) -> Outcome:
    """Send an alert left pending (an officer opened the report); "none" if none is."""
    pending = db.scalar(select(AlertAddress.pending).where(AlertAddress.report_id == report.id))
    if not pending:
        return "none"
    return notify(db, report, data_key, smtp)


def on_open(
    db: Session, report: Report, data_key: bytes, smtp: Settings | None
) -> Literal["off", "none", "asked", "pending"]:
    """An officer opened the report: send an alert left pending, then say what the page tells
    them ("off": alerts are off; "none": no address; "asked"; "pending": still not sent)."""
    if smtp is None:
        return "off"
    retry(db, report, data_key, smtp)
    pending = db.scalar(select(AlertAddress.pending).where(AlertAddress.report_id == report.id))
    if pending is None:
        return "none"
    return "pending" if pending else "asked"
