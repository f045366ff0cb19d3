"""Re-inviting and disabling accounts: what the rules stop an administrator doing."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from reporting.db import database
from reporting.models import AuditEntry, Grant, Invitation

from .staff import (
    INVITATION_LINK,
    StaffUser,
    accept,
    client_for,
    create_user,
    invite,
    link_path,
    post_form,
    signed_in_client,
    user_by_email,
)


@pytest.fixture
def holder(app, team) -> StaffUser:
    return create_user(app, "admin", name="Hal Holder", team_keys=team.private_keys)


@pytest.fixture
def keyless(app, holder) -> StaffUser:
    return create_user(app, "admin", name="Kim Keyless")


def account_page(user_id: int) -> str:
    return f"/staff/admin/accounts/{user_id}"


def reinvite(client, user_id: int):
    return post_form(client, account_page(user_id), f"{account_page(user_id)}/invite-again")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def invitation_rows(app, user_id: int) -> list[Invitation]:
    with database(app).session() as db:
        return list(db.scalars(select(Invitation).where(Invitation.user_id == user_id)))


def grant_count(app, user_id: int) -> int:
    with database(app).session() as db:
        return len(db.scalars(select(Grant).where(Grant.user_id == user_id)).all())


def reinvited_entries(app) -> int:
    with database(app).session() as db:
        return len(db.scalars(select(AuditEntry).where(AuditEntry.action == "reinvited")).all())


def test_reinviting_the_last_key_holder_is_refused(app, holder, keyless) -> None:
    response = reinvite(signed_in_client(app, keyless), holder.id)
    assert response.status_code == 409
    page = text(response)
    assert "only active person who holds the team key" in page
    assert "a new invitation would delete their copy of it" in page
    assert "invitation-link" not in page
    assert invitation_rows(app, holder.id) == []
    assert reinvited_entries(app) == 0
    assert grant_count(app, holder.id) == 1


def test_two_holders_cannot_reinvite_each_other_away(app, team, holder, keyless) -> None:
    # With a live link for one holder, the other is the last one who keeps the key.
    other = create_user(app, "officer", name="Oto Other", team_keys=team.private_keys)
    holder_client = signed_in_client(app, holder)
    assert reinvite(holder_client, other.id).status_code == 200

    officer_admin = create_user(app, "admin", name="Ola Second", team_keys=team.private_keys)
    second = signed_in_client(app, officer_admin)
    # Two holders left who are not about to lose their grant: a link for one is fine...
    assert reinvite(second, holder.id).status_code == 200
    # ...but not for the last of them, nor can a keyless admin revoke them instead.
    refused = reinvite(holder_client, officer_admin.id)
    assert refused.status_code == 409
    assert "only active person who holds the team key" in text(refused)
    revoke = post_form(
        signed_in_client(app, keyless),
        account_page(officer_admin.id),
        f"{account_page(officer_admin.id)}/revoke",
    )
    assert revoke.status_code == 409
    assert grant_count(app, officer_admin.id) == 1


def test_keyless_admin_cannot_reset_another_admin(app, team, holder, keyless) -> None:
    victim = create_user(app, "admin", name="Vic Admin")  # holds no key either
    keyless_client = signed_in_client(app, keyless)
    page = text(keyless_client.get(account_page(victim.id)))
    assert "You do not hold the team key, so you cannot invite Vic Admin again" in page
    assert "Create a new invitation link" not in page

    response = reinvite(keyless_client, victim.id)
    assert response.status_code == 409
    assert "You do not hold the team key, so you cannot invite Vic Admin again" in text(response)
    assert invitation_rows(app, victim.id) == []
    assert reinvited_entries(app) == 0

    # An admin who holds the team key may (and could grant it back afterwards).
    assert reinvite(signed_in_client(app, holder), victim.id).status_code == 200


def test_keyless_admin_cannot_strip_an_officers_access(app, team, holder, keyless) -> None:
    officers = [
        create_user(app, "officer", team_keys=team.private_keys),
        create_user(app, "officer", team_keys=team.private_keys),
    ]
    keyless_client = signed_in_client(app, keyless)
    for officer in officers:
        response = reinvite(keyless_client, officer.id)
        assert response.status_code == 409
        assert "You do not hold the team key" in text(response)
        assert invitation_rows(app, officer.id) == []
        assert grant_count(app, officer.id) == 1


def test_keyless_admin_may_still_reinvite_when_nothing_is_lost(app, holder, keyless) -> None:
    keyless_client = signed_in_client(app, keyless)
    officer = create_user(app, "officer")  # set up, but holds no grant
    assert reinvite(keyless_client, officer.id).status_code == 200
    invite(keyless_client, email="pending@example.org", role="admin")
    pending = user_by_email(app, "pending@example.org")
    again = reinvite(keyless_client, pending.id)
    assert again.status_code == 200
    assert INVITATION_LINK.search(again.get_data(as_text=True))


def test_disabling_cancels_a_pending_invitation(app, holder) -> None:
    admin_client = signed_in_client(app, holder)
    path = invite(admin_client)
    user = user_by_email(app, "new.officer@example.org")
    for action in ("disable", "enable"):
        page = account_page(user.id)
        response = post_form(admin_client, page, f"{page}/{action}")
        assert response.status_code == 302
    # Enabled again, the old link stays dead: the admin has to hand out a new one.
    response = client_for(app).get(path)
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
    assert "Not used yet" not in text(admin_client.get(account_page(user.id)))
    again = reinvite(admin_client, user.id)
    assert again.status_code == 200
    fresh = link_path(INVITATION_LINK.search(again.get_data(as_text=True)).group(1))
    assert accept(client_for(app), fresh)[0].status_code == 302


def test_disabling_cancels_a_reinvitation_of_a_set_up_account(app, holder) -> None:
    admin_client = signed_in_client(app, holder)
    officer = create_user(app, "officer")
    response = reinvite(admin_client, officer.id)
    path = link_path(INVITATION_LINK.search(response.get_data(as_text=True)).group(1))
    for action in ("disable", "enable"):
        post_form(admin_client, account_page(officer.id), f"{account_page(officer.id)}/{action}")
    assert client_for(app).get(path).status_code == 404
    with database(app).session() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "account-disabled")).one()
        assert '"invitations_cancelled":1' in entry.details
