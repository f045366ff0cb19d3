"""A reporting centre's staff: invited with their centre (and whether they lead it), which
their account keeps; no other role belongs to a centre."""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reporting import centres
from reporting.db import database
from reporting.models import AuditEntry, User

from .staff import (
    INVITATION_LINK,
    StaffUser,
    accept,
    client_for,
    create_user,
    link_path,
    post_form,
    signed_in_client,
    user_by_email,
)

INVITE = "/staff/admin/invite"


@pytest.fixture
def admin(app: Flask, team: Any) -> StaffUser:
    return create_user(app, "admin", name="Ada Admin", team_keys=team.private_keys)


@pytest.fixture
def admin_client(app: Flask, admin: StaffUser) -> FlaskClient:
    return signed_in_client(app, admin)


@pytest.fixture
def centre_id(app: Flask, admin: StaffUser) -> int:
    details = centres.CentreDetails(
        name="Corby Advice",
        kind="advice-centre",
        districts=("corby",),
        address="",
        opening_times="",
        phone="",
        email="",
        website="",
        languages="",
        accessibility="",
        help_offered="",
        listed=False,
        listing_checked_on=None,
        accredited_on=None,
    )
    with database(app).session() as db:
        actor = db.get(User, admin.id)
        assert actor is not None
        centre = centres.create_centre(db, details, actor=actor, today=dt.date.today())
        db.commit()
        return centre.id


def invite(client: FlaskClient, **data: str) -> Any:
    form = {"name": "Cal Centre", "email": "cal@example.org", "role": "centre", **data}
    return post_form(client, INVITE, data=form)


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_centre_worker_is_invited_with_their_centre_and_keeps_it(
    app, admin_client, centre_id
) -> None:
    assert "Corby Advice" in text(admin_client.get(INVITE))
    response = invite(admin_client, centre=str(centre_id), centre_lead="yes")
    assert response.status_code == 200, text(response)[:2000]
    match = INVITATION_LINK.search(response.get_data(as_text=True))
    assert match
    accepted, _ = accept(client_for(app), link_path(match.group(1)))
    assert accepted.status_code in (302, 303)
    user = user_by_email(app, "cal@example.org")
    assert (user.role, user.centre_id, user.centre_lead) == ("centre", centre_id, True)
    assert "Corby Advice, lead" in text(admin_client.get("/staff/admin/"))
    assert "Reporting centre (Corby Advice, lead)" in text(
        admin_client.get(f"/staff/admin/accounts/{user.id}")
    )
    with database(app).session() as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "invited"))
        assert entry is not None
        assert json.loads(entry.details) == {
            "role": "centre",
            "centre": centre_id,
            "centre_lead": True,
        }


def test_a_worker_who_is_not_the_lead(app, admin_client, centre_id) -> None:
    assert invite(admin_client, centre=str(centre_id), centre_lead="no").status_code == 200
    user = user_by_email(app, "cal@example.org")
    assert (user.centre_id, user.centre_lead) == (centre_id, False)
    assert "Reporting centre (Corby Advice)" in text(
        admin_client.get(f"/staff/admin/accounts/{user.id}")
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select the reporting centre they work for"),
        ({"centre": "999", "centre_lead": "no"}, "Select the reporting centre they work for"),
        ({"centre": "abc", "centre_lead": "no"}, "Select the reporting centre they work for"),
        ({"centre": "1"}, "Select yes if they lead the centre"),
        ({"role": "officer", "centre": "1"}, "Only reporting centre staff belong to a centre"),
        ({"role": "analyst", "centre_lead": "yes"}, "Only reporting centre staff can lead"),
    ],
)
def test_centre_and_lead_are_checked(app, admin_client, centre_id, data, message) -> None:
    response = invite(admin_client, **data)
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert 'value="Cal Centre"' in page  # nothing typed is lost
    with database(app).session() as db:
        assert db.scalar(select(User).where(User.email == "cal@example.org")) is None


def test_other_roles_belong_to_no_centre(app, admin_client, centre_id) -> None:
    response = invite(admin_client, role="officer", centre="", centre_lead="no")
    assert response.status_code == 200
    user = user_by_email(app, "cal@example.org")
    assert (user.centre_id, user.centre_lead) == (None, False)


def test_an_account_cannot_be_moved_into_a_centre_by_its_role(app, admin_client) -> None:
    officer = create_user(app, "officer")
    page = f"/staff/admin/accounts/{officer.id}"
    response = post_form(admin_client, page, f"{page}/role", {"role": "centre"})
    assert "centre staff are invited with their centre" in text(response)
    assert user_by_email(app, officer.email).role == "officer"


def test_leaving_the_centre_role_leaves_the_centre(app, admin_client, centre_id) -> None:
    invite(admin_client, centre=str(centre_id), centre_lead="yes")
    user = user_by_email(app, "cal@example.org")
    page = f"/staff/admin/accounts/{user.id}"
    post_form(admin_client, page, f"{page}/role", {"role": "analyst"})
    user = user_by_email(app, "cal@example.org")
    assert (user.role, user.centre_id, user.centre_lead) == ("analyst", None, False)
