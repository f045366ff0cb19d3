"""The admin area, as an administrator, another member of staff and an attacker see it."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import func, select, update

from reporting import centres, crypto, reports
from reporting.db import database
from reporting.models import AuditEntry, Grant, Report, StaffSession, User

from .helpers import Reporter, csrf_token, full_answers
from .staff import (
    StaffUser,
    client_for,
    create_user,
    post_form,
    session_team_keys,
    sign_in,
    signed_in_client,
)

# One path per admin endpoint, with user id 2 (an officer in these tests) where one is needed,
# and centre id 1.
ADMIN_GET = [
    "/staff/admin/",
    "/staff/admin/invite",
    "/staff/admin/accounts/2",
    "/staff/admin/access",
    "/staff/admin/audit",
    "/staff/admin/centres",
    "/staff/admin/centres/new",
    "/staff/admin/centres/1",
]
ADMIN_POST = [
    "/staff/admin/invite",
    "/staff/admin/accounts/2/role",
    "/staff/admin/accounts/2/disable",
    "/staff/admin/accounts/2/enable",
    "/staff/admin/accounts/2/unlock",
    "/staff/admin/accounts/2/end-sessions",
    "/staff/admin/accounts/2/grant",
    "/staff/admin/accounts/2/revoke",
    "/staff/admin/accounts/2/invite-again",
    "/staff/admin/centres/new",
    "/staff/admin/centres/1",
]


@pytest.fixture
def admin(app, team) -> StaffUser:
    return create_user(app, "admin", name="Ada Admin", team_keys=team.private_keys)


@pytest.fixture
def officer(app, admin) -> StaffUser:
    user = create_user(app, "officer", name="Olu Officer")
    assert user.id == 2
    return user


@pytest.fixture
def centre(app, admin) -> int:
    """Reporting centre 1, which the centre paths above name."""
    details = centres.CentreDetails(
        "Centre One", "charity", ("corby",), *[""] * 8, False, None, None
    )
    with database(app).session() as db:
        actor = db.get(User, admin.id)
        made = centres.create_centre(db, details, actor=actor, today=dt.date.today())
        db.commit()
        assert made.id == 1
        return made.id


@pytest.fixture
def admin_client(app, admin):
    return signed_in_client(app, admin)


def account_page(user: StaffUser | int) -> str:
    return f"/staff/admin/accounts/{user if isinstance(user, int) else user.id}"


def act(client, user, action, data=None):
    """Press one of the buttons on a user's account page (the token is the session's)."""
    return post_form(client, "/staff/account/", f"{account_page(user)}/{action}", data)


def text(response) -> str:
    """The page as a person reads it: entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def cell(value: str) -> str:
    return f'<td class="govuk-table__cell">{value}</td>'


def audit_actions(app, subject=None) -> list[str]:
    with database(app).session() as db:
        query = select(AuditEntry.action).order_by(AuditEntry.id)
        if subject:
            query = query.where(AuditEntry.subject == subject)
        return list(db.scalars(query))


def get_user(app, user_id) -> User:
    with database(app).session() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def test_every_admin_endpoint_is_listed_here(app) -> None:
    """So the access tests below cannot miss an endpoint added later."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            path = rule.rule.replace("<int:user_id>", "2").replace("<int:centre_id>", "1")
            routes |= {(method, path) for method in rule.methods & {"GET", "POST"}}
    assert routes == {("GET", p) for p in ADMIN_GET} | {("POST", p) for p in ADMIN_POST}


@pytest.mark.parametrize("role", ["officer", "analyst", "centre"])
def test_non_admins_get_403_on_every_admin_endpoint(app, officer, role) -> None:
    person = create_user(app, role)
    client = signed_in_client(app, person)
    token = csrf_token(client.get("/staff/account/").get_data(as_text=True))
    for path in ADMIN_GET:
        assert client.get(path).status_code == 403, path
    for path in ADMIN_POST:
        response = client.post(path, data={"csrf_token": token, "role": "admin"})
        assert response.status_code == 403, path
    assert get_user(app, officer.id).role == "officer"
    assert "/staff/admin/" not in client.get("/staff/account/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(app, officer) -> None:
    client = client_for(app)
    for path in ADMIN_GET:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/staff/sign-in" in response.location
    token = csrf_token(client.get("/staff/sign-in").get_data(as_text=True))
    for path in ADMIN_POST:
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 302, path
        assert response.location.endswith("/staff/sign-in")


def test_every_admin_post_without_csrf_token_is_refused(app, officer, centre, admin_client) -> None:
    for path in ADMIN_POST:
        response = admin_client.post(path, data={"role": "analyst", "email": "x@example.org"})
        assert response.status_code == 400, path
    assert audit_actions(app, f"user:{officer.id}") == []
    assert get_user(app, officer.id).role == "officer"


def test_admin_pages_have_no_inline_script_or_style(app, officer, centre, admin_client) -> None:
    for path in ADMIN_GET:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html and not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_accounts_list_shows_role_status_access_and_sessions(
    app, team, admin, admin_client
) -> None:
    granted = create_user(app, "officer", name="Gita Granted", team_keys=team.private_keys)
    signed_in_client(app, granted)
    signed_in_client(app, granted)
    locked = create_user(app, "analyst", name="Lou Locked")
    disabled = create_user(app, "centre", name="Dee Disabled")
    with database(app).session() as db:
        db.execute(update(User).where(User.id == locked.id).values(locked=True))
        db.execute(update(User).where(User.id == disabled.id).values(disabled=True))
        db.commit()
    post_form(
        admin_client,
        "/staff/admin/invite",
        data={"name": "Ivy Invited", "email": "ivy@example.org", "role": "officer"},
    )
    html = admin_client.get("/staff/admin/").get_data(as_text=True)
    rows = {
        name: " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S)
        for name in re.findall(r">([A-Z][a-z]+ [A-Z][a-z]+)</a>", row)
    }
    assert re.search(r"Reviewing officer Active Yes 2\b", rows["Gita Granted"])
    assert re.search(r"Analyst Locked No 0\b", rows["Lou Locked"])
    assert re.search(r"Reporting centre Disabled No 0\b", rows["Dee Disabled"])
    assert re.search(r"ivy@example.org Reviewing officer Invited No 0\b", rows["Ivy Invited"])
    assert re.search(r"Administrator Active Yes 1\b", rows["Ada Admin"])


def test_invite_refuses_a_duplicate_email_clearly(app, officer, admin_client) -> None:
    response = post_form(
        admin_client,
        "/staff/admin/invite",
        data={"name": "Someone Else", "email": officer.email.upper(), "role": "analyst"},
    )
    assert response.status_code == 400
    assert "There is already an account with this email address" in response.get_data(as_text=True)
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "a@example.org", "role": "officer"}, "Enter the person's full name"),
        ({"name": "A", "email": "", "role": "officer"}, "Enter the person's email address"),
        ({"name": "A", "email": "not-an-email", "role": "officer"}, "correct format"),
        ({"name": "A", "email": "a@example.org"}, "Select a role"),
        ({"name": "A", "email": "a@example.org", "role": "superuser"}, "Select a role"),
        ({"name": "A" * 121, "email": "a@example.org", "role": "officer"}, "120 characters"),
        ({"name": "A", "email": "a" * 250 + "@x.org", "role": "officer"}, "254 characters"),
    ],
)
def test_invite_form_validates_each_field(app, admin_client, data, message) -> None:
    response = post_form(admin_client, "/staff/admin/invite", data=data)
    assert response.status_code == 400
    body = text(response)
    assert "There is a problem" in body and message in body
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 1


def summary_links(page: str) -> dict[str, bool]:
    """Each error summary link's target, and whether the page has an element with that id."""
    summary = page.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    targets = re.findall(r'href="#([^"]+)"', summary)
    return {target: f'id="{target}"' in page for target in targets}


def test_a_missing_role_links_to_the_first_radio_on_invite_and_change_role(
    app, officer, admin_client
) -> None:
    invite = post_form(admin_client, "/staff/admin/invite", data={"name": "A", "email": "a@x.org"})
    change = act(admin_client, officer, "role", {"role": "superuser"})
    for response in (invite, change):
        assert response.status_code == 400
        assert summary_links(response.get_data(as_text=True)) == {"role": True}


def test_change_role_is_applied_and_audited(app, officer, admin_client) -> None:
    response = act(admin_client, officer, "role", {"role": "admin"})
    assert response.status_code == 302
    assert "is an administrator" in admin_client.get(response.location).get_data(as_text=True)
    assert get_user(app, officer.id).role == "admin"
    assert audit_actions(app, f"user:{officer.id}") == ["role-changed"]


def test_demoting_to_analyst_removes_grants_and_ends_sessions(app, team, admin_client) -> None:
    holder = create_user(app, "officer", team_keys=team.private_keys)
    holder_client = signed_in_client(app, holder)
    response = act(admin_client, holder, "role", {"role": "analyst"})
    assert response.status_code == 302
    with database(app).session() as db:
        assert db.scalars(select(Grant).where(Grant.user_id == holder.id)).all() == []
    assert holder_client.get("/staff/account/").status_code == 302


def test_admin_cannot_disable_demote_or_end_their_own_account(app, admin, admin_client) -> None:
    for action, data in [
        ("disable", None),
        ("role", {"role": "officer"}),
        ("end-sessions", None),
        ("revoke", None),
        ("invite-again", None),
    ]:
        response = act(admin_client, admin, action, data)
        assert response.status_code == 409, action
        assert "You cannot do this to your own account" in text(response)
    me = get_user(app, admin.id)
    assert me.role == "admin" and not me.disabled
    assert admin_client.get("/staff/admin/").status_code == 200
    assert session_team_keys(app, admin_client)
    assert [a for a in audit_actions(app) if a != "signed-in"] == []


def test_disable_ends_sessions_and_stops_sign_in_until_enabled(app, officer, admin_client) -> None:
    officer_client = signed_in_client(app, officer)
    response = act(admin_client, officer, "disable")
    assert response.status_code == 302
    assert officer_client.get("/staff/account/").status_code == 302
    assert sign_in(client_for(app), officer).status_code == 400
    assert act(admin_client, officer, "enable").status_code == 302
    assert sign_in(client_for(app), officer).status_code == 302
    assert audit_actions(app, f"user:{officer.id}")[-4:] == [
        "account-disabled",
        "sign-in-failed",
        "account-enabled",
        "signed-in",
    ]


def test_unlock_clears_the_lock_and_the_failure_count(app, officer, admin_client) -> None:
    # Locked as the right password with wrong codes leaves it (tests/test_signin_attacks.py).
    with database(app).session() as db:
        db.execute(
            update(User)
            .where(User.id == officer.id)
            .values(locked=True, failed_sign_ins=10, wrong_code_sign_ins=5)
        )
        db.commit()
    page = admin_client.get(account_page(officer)).get_data(as_text=True)
    assert "Locked" in page and "Unlock account" in page
    assert act(admin_client, officer, "unlock").status_code == 302
    unlocked = get_user(app, officer.id)
    assert not unlocked.locked and unlocked.failed_sign_ins == 0
    assert unlocked.wrong_code_sign_ins == 0
    assert sign_in(client_for(app), officer).status_code == 302
    assert "account-unlocked" in audit_actions(app, f"user:{officer.id}")


def test_end_all_sessions_signs_the_person_out_everywhere(app, officer, admin_client) -> None:
    first, second = signed_in_client(app, officer), signed_in_client(app, officer)
    assert act(admin_client, officer, "end-sessions").status_code == 302
    assert first.get("/staff/account/").status_code == 302
    assert second.get("/staff/account/").status_code == 302
    with database(app).session() as db:
        assert (
            db.scalars(select(StaffSession).where(StaffSession.user_id == officer.id)).all() == []
        )
    assert audit_actions(app, f"user:{officer.id}")[-1] == "sessions-ended"


def send_report(app, marker="GRANTED") -> Report:
    app.test_client_class = type(client_for(app))
    reporter = Reporter(client_for(app))
    reporter.start()
    reporter.answer_all(full_answers(marker))
    assert reporter.send().status_code == 200
    with database(app).session() as db:
        return db.scalars(select(Report)).one()


def test_granted_officer_can_open_a_report_after_signing_in(
    app, team, officer, admin_client
) -> None:
    send_report(app)
    before = signed_in_client(app, officer)
    assert session_team_keys(app, before) == {}

    response = act(admin_client, officer, "grant")
    assert response.status_code == 302
    assert "can open reports" in admin_client.get(response.location).get_data(as_text=True)
    assert audit_actions(app, f"user:{officer.id}")[-1] == "granted"

    officer_client = signed_in_client(app, officer)
    held = session_team_keys(app, officer_client)
    assert held == team.private_keys
    with database(app).session() as db:
        report = db.scalars(select(Report)).one()
        answers = reports.open_report(db, report, held)
    assert "GRANTED" in answers["account"]["account"]


def test_revoke_removes_the_key_and_ends_sessions(app, team, admin, admin_client) -> None:
    send_report(app)
    officer = create_user(app, "officer", team_keys=team.private_keys)
    officer_client = signed_in_client(app, officer)
    assert session_team_keys(app, officer_client) == team.private_keys

    response = act(admin_client, officer, "revoke")
    assert response.status_code == 302
    assert officer_client.get("/staff/account/").status_code == 302
    with database(app).session() as db:
        assert db.scalars(select(Grant).where(Grant.user_id == officer.id)).all() == []
    again = signed_in_client(app, officer)
    held = session_team_keys(app, again)
    assert held == {}
    with database(app).session() as db, pytest.raises(crypto.DecryptionError):
        reports.open_report(db, db.scalars(select(Report)).one(), held)
    assert audit_actions(app, f"user:{officer.id}")[-2] == "revoked"


def test_revoking_the_last_key_holder_is_refused(app, admin, admin_client) -> None:
    # A second admin who holds no key tries to revoke the only holder.
    other = create_user(app, "admin", name="Other Admin")
    other_client = signed_in_client(app, other)
    response = act(other_client, admin, "revoke")
    assert response.status_code == 409
    assert "only active person who holds the team key" in response.get_data(as_text=True)
    with database(app).session() as db:
        assert db.scalars(select(Grant).where(Grant.user_id == admin.id)).all() != []


@pytest.mark.parametrize("role", ["analyst", "centre"])
def test_analysts_and_centres_can_never_be_granted(app, role, admin_client) -> None:
    person = create_user(app, role)
    page = admin_client.get(account_page(person)).get_data(as_text=True)
    assert "Grant access to reports" not in page
    response = act(admin_client, person, "grant")
    assert response.status_code == 409
    assert "can never be given access to reports" in response.get_data(as_text=True)
    with database(app).session() as db:
        assert db.scalars(select(Grant).where(Grant.user_id == person.id)).all() == []


def test_grant_is_refused_before_the_account_is_set_up(app, admin_client) -> None:
    post_form(
        admin_client,
        "/staff/admin/invite",
        data={"name": "Not Yet", "email": "notyet@example.org", "role": "officer"},
    )
    with database(app).session() as db:
        user_id = db.scalar(select(User.id).where(User.email == "notyet@example.org"))
    response = act(admin_client, user_id, "grant")
    assert response.status_code == 409
    assert "has not set up their account yet" in response.get_data(as_text=True)


def test_admin_without_the_team_key_is_told_they_cannot_grant(app, officer) -> None:
    keyless = create_user(app, "admin", name="Keyless Admin")
    client = signed_in_client(app, keyless)
    page = client.get(account_page(officer)).get_data(as_text=True)
    assert "You do not hold the team key" in page
    assert "You do not hold the team key" in client.get("/staff/admin/access").get_data(
        as_text=True
    )
    response = act(client, officer, "grant")
    assert response.status_code == 409
    assert "You do not hold the team key" in response.get_data(as_text=True)


def test_access_page_lists_who_holds_the_team_key(app, team, admin, officer, admin_client) -> None:
    holder = create_user(app, "officer", name="Hana Holder", team_keys=team.private_keys)
    html = admin_client.get("/staff/admin/access").get_data(as_text=True)
    assert "Hana Holder" in html and "Ada Admin" in html
    assert officer.name not in html
    (key_id,) = team.private_keys
    assert key_id in html
    assert holder.email in html


def test_each_admin_action_is_audited_and_shown_on_the_audit_page(
    app, team, admin, officer, admin_client
) -> None:
    steps = [
        ("role", {"role": "admin"}, "role-changed"),
        ("role", {"role": "officer"}, "role-changed"),
        ("grant", None, "granted"),
        ("end-sessions", None, "sessions-ended"),
        ("disable", None, "account-disabled"),
        ("enable", None, "account-enabled"),
        ("revoke", None, "revoked"),
        ("invite-again", None, "reinvited"),
    ]
    for action, data, _ in steps:
        assert act(admin_client, officer, action, data).status_code in (200, 302), action
    with database(app).session() as db:
        db.execute(update(User).where(User.id == officer.id).values(locked=True))
        db.commit()
    act(admin_client, officer, "unlock")
    post_form(
        admin_client,
        "/staff/admin/invite",
        data={"name": "New Person", "email": "new@example.org", "role": "analyst"},
    )
    expected = [s[2] for s in steps] + ["account-unlocked"]
    assert audit_actions(app, f"user:{officer.id}") == expected
    log = admin_client.get("/staff/admin/audit").get_data(as_text=True)
    for action in [*expected, "invited"]:
        assert cell(action) in log, action
    assert admin.email in log
    assert f"user:{officer.id}" in log and officer.email in log
    assert "old role: officer" in log and "new role: admin" in log
    assert "the chain of hashes is intact" in log


def test_audit_page_filters_by_action_and_actor(app, admin, officer, admin_client) -> None:
    other = create_user(app, "admin", team_keys=None)
    signed_in_client(app, other)
    act(admin_client, officer, "end-sessions")
    by_action = admin_client.get("/staff/admin/audit?action=sessions-ended").get_data(as_text=True)
    assert cell("sessions-ended") in by_action and cell("signed-in") not in by_action
    assert "1 entry matching" in by_action
    by_actor = admin_client.get(f"/staff/admin/audit?actor={other.email}").get_data(as_text=True)
    assert cell("signed-in") in by_actor and cell("sessions-ended") not in by_actor
    assert admin.email not in re.sub(r"Signed in as.*?</p>", "", by_actor, flags=re.S)
    nobody = admin_client.get("/staff/admin/audit?actor=nobody@example.org").get_data(as_text=True)
    assert "0 entries matching" in nobody
    bad = admin_client.get("/staff/admin/audit?action=no-such-action")
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)


def test_audit_page_shows_newest_first_fifty_a_page(app, admin, admin_client) -> None:
    from reporting import audit

    with database(app).session() as db:
        for number in range(120):
            audit.record(db, "test-entry", actor_id=admin.id, subject=f"n:{number:03d}")
        db.commit()
    first = admin_client.get("/staff/admin/audit?action=test-entry").get_data(as_text=True)
    subjects = re.findall(r"n:(\d{3})", first)
    assert len(subjects) == 50 and subjects[0] == "119" and subjects[-1] == "070"
    assert "page 1 of 3" in first
    third = admin_client.get("/staff/admin/audit?action=test-entry&page=3").get_data(as_text=True)
    assert re.findall(r"n:(\d{3})", third)[-1] == "000"
    assert "action=test-entry" in third  # the previous link keeps the filter
    assert admin_client.get("/staff/admin/audit?page=99999999999").status_code == 200
    assert admin_client.get("/staff/admin/audit?page=-4").status_code == 200


def test_audit_page_shows_where_the_chain_breaks(app, admin, admin_client) -> None:
    with database(app).session() as db:
        victim = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).first()
        victim.details = '{"edited":true}'
        db.commit()
        victim_id = victim.id
    html = admin_client.get("/staff/admin/audit").get_data(as_text=True)
    assert "The log has been tampered with" in html
    assert f"entry {victim_id} its contents were changed" in html


def test_audit_log_cannot_be_edited_or_deleted_through_the_app(app) -> None:
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_last_active_admin_cannot_be_demoted_or_disabled(app, admin) -> None:
    from reporting import accounts

    # Through the domain function (the page never lets an admin act on themselves).
    other = create_user(app, "admin")
    with database(app).session() as db:
        me, them = db.get(User, admin.id), db.get(User, other.id)
        them.disabled = True
        db.flush()
        with pytest.raises(accounts.LastAdmin):
            accounts.change_role(db, me, "officer", actor=them)
        with pytest.raises(accounts.LastAdmin):
            accounts.disable(db, me, actor=them)
        db.rollback()


def test_disabled_account_cannot_be_invited_again_until_enabled(app, officer, admin_client) -> None:
    act(admin_client, officer, "disable")
    response = act(admin_client, officer, "invite-again")
    assert response.status_code == 409
    assert "Enable it before inviting them again" in text(response)
    assert audit_actions(app, f"user:{officer.id}") == ["account-disabled"]


def test_account_ids_out_of_range_are_404_not_500(admin_client) -> None:
    for user_id in (0, 2**31, 2**63, 10**30):
        response = admin_client.get(f"/staff/admin/accounts/{user_id}")
        assert response.status_code == 404, user_id
