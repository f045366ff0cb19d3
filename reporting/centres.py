"""Third-party reporting centres: creating and editing them (admins), and the public directory.

A centre's listing shows on "Find a reporting centre" only while it is listed and was checked
within ``CENTRE_LISTING_MAX_AGE_DAYS``: an address or phone number nobody has confirmed for a
year is hidden rather than offered to someone who needs help now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import audit
from .models import Centre, CentreDistrict, User

KINDS: list[tuple[str, str]] = [
    ("charity", "Charity"),
    ("library", "Library"),
    ("advice-centre", "Advice centre"),
    ("faith-group", "Faith group"),
    ("lgbt-group", "LGBT+ group"),
    ("community-group", "Community group"),
    ("council-service", "Council service"),
    ("other", "Other"),
]
KIND_NAMES = dict(KINDS)
MAX_LISTING_AGE_DAYS = 365


class CentreNotFound(LookupError):
    """No centre has this id."""


class CentreNameTaken(ValueError):
    """Another centre already has this name."""


@dataclass(frozen=True)
class CentreDetails:
    """Everything an admin sets about a centre, already validated by the form."""

    name: str
    kind: str
    districts: tuple[str, ...]
    address: str
    opening_times: str
    phone: str
    email: str
    website: str
    languages: str
    accessibility: str
    help_offered: str
    listed: bool
    listing_checked_on: dt.date | None
    accredited_on: dt.date | None


_COLUMNS = tuple(f.name for f in fields(CentreDetails) if f.name != "districts")


def details_of(centre: Centre) -> CentreDetails:
    values = {name: getattr(centre, name) for name in _COLUMNS}
    return CentreDetails(districts=district_codes(centre), **values)


def district_codes(centre: Centre) -> tuple[str, ...]:
    return tuple(sorted(row.district for row in centre.districts))


def all_centres(db: Session) -> Sequence[Centre]:
    return (
        db.scalars(select(Centre).options(selectinload(Centre.districts)).order_by(Centre.name))
        .unique()
        .all()
    )


def get_centre(db: Session, centre_id: int) -> Centre:
    centre = db.get(Centre, centre_id)
    if centre is None:
        raise CentreNotFound(centre_id)
    return centre


def _check_name(db: Session, name: str, centre_id: int | None) -> None:
    other = db.scalar(select(Centre.id).where(Centre.name == name))
    if other is not None and other != centre_id:
        raise CentreNameTaken(name)


def create_centre(db: Session, details: CentreDetails, *, actor: User, today: dt.date) -> Centre:
    _check_name(db, details.name, None)
    centre = Centre(created_on=today, **{name: getattr(details, name) for name in _COLUMNS})
    centre.districts = [CentreDistrict(district=code) for code in sorted(set(details.districts))]
    db.add(centre)
    db.flush()
    audit.record(
        db, "centre-created", actor_id=actor.id, subject=_subject(centre), name=centre.name
    )
    return centre


def update_centre(db: Session, centre_id: int, details: CentreDetails, *, actor: User) -> list[str]:
    """Apply ``details``; return the names of the fields that changed (audited, values not)."""
    centre = get_centre(db, centre_id)
    _check_name(db, details.name, centre.id)
    before = details_of(centre)
    changed = [
        f.name for f in fields(CentreDetails) if getattr(before, f.name) != getattr(details, f.name)
    ]
    if not changed:
        return []
    for name in _COLUMNS:
        setattr(centre, name, getattr(details, name))
    if "districts" in changed:
        wanted = set(details.districts)
        centre.districts = [row for row in centre.districts if row.district in wanted]
        have = {row.district for row in centre.districts}
        centre.districts.extend(CentreDistrict(district=code) for code in sorted(wanted - have))
    db.flush()
    renamed = {"previous_name": before.name} if "name" in changed else {}
    audit.record(
        db,
        "centre-updated",
        actor_id=actor.id,
        subject=_subject(centre),
        name=centre.name,
        fields=changed,
        **renamed,
    )
    return changed


def _subject(centre: Centre) -> str:
    return f"centre:{centre.id}"


def listing_is_fresh(centre: Centre, today: dt.date, max_age_days: int) -> bool:
    checked = centre.listing_checked_on
    return checked is not None and checked >= today - dt.timedelta(days=max_age_days)


def hidden_because_stale(centre: Centre, today: dt.date, max_age_days: int) -> bool:
    """Listed, but not shown: its listing was never checked, or not recently enough."""
    return centre.listed and not listing_is_fresh(centre, today, max_age_days)


@dataclass(frozen=True)
class DistrictListing:
    code: str
    name: str
    centres: list[Centre]


def directory(
    db: Session,
    *,
    today: dt.date,
    max_age_days: int,
    districts: Sequence[tuple[str, str]],
) -> list[DistrictListing]:
    """The listed, recently checked centres, by district in the setting's order.

    A centre serving several districts appears under each; districts with none are left out.
    """
    shown = [
        centre
        for centre in all_centres(db)
        if centre.listed and listing_is_fresh(centre, today, max_age_days)
    ]
    listings = []
    for code, name in districts:
        here = [centre for centre in shown if code in district_codes(centre)]
        if here:
            listings.append(DistrictListing(code, name, here))
    return listings
