"""Reporting centres: an admin adds and edits them; the public finds the listed, fresh ones."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from reporting.config import ConfigError
from reporting.db import database
from reporting.models import AuditEntry, Centre

from .helpers import csrf_token, full_answers
from .staff import StaffUser, client_for, create_user, signed_in_client

NEW = "/staff/admin/centres/new"
LIST = "/staff/admin/centres"
DIRECTORY = "/find-a-reporting-centre"
TODAY = dt.date.today()


@pytest.fixture
def admin(app: Flask, team: Any) -> StaffUser:
    return create_user(app, "admin", name="Ada Admin", team_keys=team.private_keys)


@pytest.fixture
def admin_client(app: Flask, admin: StaffUser) -> FlaskClient:
    return signed_in_client(app, admin)


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def centre_form(**changes: Any) -> dict[str, Any]:
    checked = changes.pop("checked", TODAY)
    form: dict[str, Any] = {
        "name": "Wellingborough Library",
        "kind": "library",
        "districts": ["wellingborough"],
        "address": "Pebble Lane\nWellingborough",
        "opening_times": "Monday to Saturday, 9am to 5pm",
        "phone": "01933 123456",
        "email": "library@example.org",
        "website": "https://library.example.org",
        "languages": "English, Polish",
        "accessibility": "Step-free entrance",
        "help_offered": "Help to fill in a report, in private",
        "listed": "yes",
        "listing_checked_on": [str(checked.day), str(checked.month), str(checked.year)]
        if checked
        else ["", "", ""],
        "accredited_on": ["", "", ""],
    }
    form.update(changes)
    return form


def post(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    token = csrf_token(client.get(LIST).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def add_centre(client: FlaskClient, **changes: Any) -> int:
    response = post(client, NEW, centre_form(**changes))
    assert response.status_code == 303, text(response)[:3000]
    assert response.location.endswith(LIST)
    return centre_id(client.application, changes.get("name", "Wellingborough Library"))


def centre_id(app: Flask, name: str) -> int:
    with database(app).session() as db:
        found = db.scalar(select(Centre.id).where(Centre.name == name))
        assert found is not None
        return found


def audit_entries(app: Flask, action: str) -> list[AuditEntry]:
    with database(app).session() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def set_checked(app: Flask, centre: int, day: dt.date | None) -> None:
    with database(app).session() as db:
        row = db.get(Centre, centre)
        assert row is not None
        row.listing_checked_on = day
        db.commit()


# --- The admin's pages -----------------------------------------------------------------------


def test_admin_adds_a_centre_it_is_listed_and_audited_by_name_only(app, admin_client) -> None:
    centre = add_centre(admin_client)
    page = text(admin_client.get(LIST))
    assert "Wellingborough Library added" in page
    assert "Wellingborough Library" in page and "Library" in page and "Listed" in page
    (entry,) = audit_entries(app, "centre-created")
    assert entry.subject == f"centre:{centre}"
    assert json.loads(entry.details) == {"name": "Wellingborough Library"}
    edit = text(admin_client.get(f"{LIST}/{centre}"))
    assert 'value="01933 123456"' in edit and "Pebble Lane\nWellingborough" in edit
    assert 'value="wellingborough" checked' in edit


def test_editing_audits_which_fields_changed_never_their_values(app, admin_client) -> None:
    centre = add_centre(admin_client)
    response = post(
        admin_client,
        f"{LIST}/{centre}",
        centre_form(phone="01933 999999", districts=["corby", "kettering"]),
    )
    assert response.status_code == 303
    assert "Wellingborough Library saved" in text(admin_client.get(LIST))
    (entry,) = audit_entries(app, "centre-updated")
    details = json.loads(entry.details)
    assert details == {"name": "Wellingborough Library", "fields": ["districts", "phone"]}
    assert "999999" not in entry.details
    with database(app).session() as db:
        row = db.get(Centre, centre)
        assert row is not None and row.phone == "01933 999999"
        assert sorted(d.district for d in row.districts) == ["corby", "kettering"]
    # Saving again unchanged says so and writes nothing.
    post(
        admin_client,
        f"{LIST}/{centre}",
        centre_form(phone="01933 999999", districts=["corby", "kettering"]),
    )
    assert "Nothing changed" in text(admin_client.get(LIST))
    assert len(audit_entries(app, "centre-updated")) == 1


def test_errors_keep_what_was_typed(app, admin_client) -> None:
    response = post(
        admin_client,
        NEW,
        centre_form(
            name="",
            kind="castle",
            districts=[],
            phone="call us",
            email="not an email",
            website="javascript:alert(1)",
            listing_checked_on=["31", "2", "2025"],
            accredited_on=["1", "1", str(TODAY.year + 1)],
            languages="Tigrinya and Somali",
        ),
    )
    page = text(response)
    assert response.status_code == 400
    for message in (
        "Enter the name of the organisation",
        "Select the kind of organisation",
        "Select at least one district the centre serves",
        "Enter a phone number",
        "Enter an email address in the correct format",
        "Enter a website address starting https://",
        "Day the listing was last checked must be a real date",
        "must be today or in the past",
    ):
        assert message in page, message
    assert 'value="Tigrinya and Somali"' in page and 'value="call us"' in page
    assert 'value="31"' in page
    assert audit_entries(app, "centre-created") == []


def test_a_listed_centre_needs_a_checked_day(admin_client) -> None:
    response = post(admin_client, NEW, centre_form(checked=None))
    assert response.status_code == 400
    assert "a listed centre needs one" in text(response)
    assert post(admin_client, NEW, centre_form(checked=None, listed="no")).status_code == 303


def test_two_centres_cannot_share_a_name(admin_client) -> None:
    add_centre(admin_client)
    response = post(admin_client, NEW, centre_form())
    assert response.status_code == 400
    assert "There is already a centre with this name" in text(response)
    other = add_centre(admin_client, name="Corby Advice")
    response = post(admin_client, f"{LIST}/{other}", centre_form())
    assert response.status_code == 400 and "There is already a centre" in text(response)


@pytest.mark.parametrize("path", [f"{LIST}/999", f"{LIST}/0", f"{LIST}/99999999999999"])
def test_an_unknown_centre_is_not_found(admin_client, path) -> None:
    assert admin_client.get(path).status_code == 404
    assert post(admin_client, path, centre_form()).status_code == 404


def test_the_list_flags_a_stale_listing(app, admin_client) -> None:
    centre = add_centre(admin_client)
    old = TODAY - dt.timedelta(days=400)
    set_checked(app, centre, old)
    page = text(admin_client.get(LIST))
    assert f"Hidden from the public: not checked since {old.day} {old:%B %Y}" in page


@pytest.mark.parametrize("role", ["officer", "analyst", "centre"])
def test_other_staff_cannot_see_or_change_centres(app, admin_client, role) -> None:
    centre = add_centre(admin_client)
    client = signed_in_client(app, create_user(app, role))
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}/{centre}").status_code == 403
    token = csrf_token(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, **centre_form(name="Taken over")}
    assert client.post(f"{LIST}/{centre}", data=data).status_code == 403
    assert client.post(NEW, data=data).status_code == 403
    assert audit_entries(app, "centre-updated") == []


junk = st.one_of(
    st.text(max_size=400),
    st.lists(st.text(max_size=30), max_size=5),
    st.sampled_from(["", "yes", "no", "library", "corby", "\x00", "9" * 40]),
)
FIELDS = list(centre_form())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), junk, max_size=len(FIELDS)))
def test_junk_input_never_answers_500(app, admin_client, data) -> None:
    for path in (NEW, LIST + "/1"):
        response = post(admin_client, path, data)
        assert response.status_code in (303, 400, 404), response.status_code


# --- Find a reporting centre -----------------------------------------------------------------


def test_the_directory_shows_listed_fresh_centres_by_district(app, admin_client) -> None:
    add_centre(admin_client, districts=["wellingborough", "corby"])
    add_centre(
        admin_client, name="Kettering Faith Forum", kind="faith-group", districts=["kettering"]
    )
    add_centre(admin_client, name="Quiet Charity", listed="no", districts=["kettering"])
    stale = add_centre(admin_client, name="Old Advice Centre", districts=["corby"])
    set_checked(app, stale, TODAY - dt.timedelta(days=366))
    edge = add_centre(admin_client, name="Just In Time", districts=["corby"])
    set_checked(app, edge, TODAY - dt.timedelta(days=365))

    page = text(client_for(app).get(DIRECTORY))
    headings = re.findall(r'<h2 class="govuk-heading-l">([^<]+)</h2>', page)
    assert headings == ["Corby", "Kettering", "Wellingborough"]
    corby, kettering, wellingborough = re.split(r'<h2 class="govuk-heading-l">', page)[1:]
    assert "Wellingborough Library" in corby and "Just In Time" in corby
    assert "Kettering Faith Forum" in kettering and "Faith group" in kettering
    assert "Wellingborough Library" in wellingborough
    assert "Quiet Charity" not in page and "Old Advice Centre" not in page
    assert 'href="tel:01933123456"' in page and "Pebble Lane<br>Wellingborough" in page


def test_the_age_limit_is_a_setting(make_app, tmp_path) -> None:
    app = make_app(CENTRE_LISTING_MAX_AGE_DAYS=30)
    admin = create_user(app, "admin")
    client = signed_in_client(app, admin)
    centre = add_centre(client)
    set_checked(app, centre, TODAY - dt.timedelta(days=31))
    assert "Wellingborough Library" not in text(client_for(app).get(DIRECTORY))
    for bad in (0, 29, 731, "365", True):
        with pytest.raises(ConfigError):
            make_app(CENTRE_LISTING_MAX_AGE_DAYS=bad)


def test_no_centre_listed_says_so_and_points_to_support(app) -> None:
    page = text(client_for(app).get(DIRECTORY))
    assert "There are no reporting centres listed at the moment." in page
    assert 'href="/support"' in page
    assert '<h2 class="govuk-heading-l">' not in page


def test_start_and_confirmation_pages_link_to_the_directory(app, team, reporter) -> None:
    assert 'href="/find-a-reporting-centre"' in reporter.client.get("/").get_data(as_text=True)
    reporter.start()
    reporter.answer_all(full_answers())
    assert 'href="/find-a-reporting-centre"' in reporter.send().get_data(as_text=True)
