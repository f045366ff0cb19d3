"""What to tell an administrator when a rule stops an action on someone's account.

The rules are checked by ``accounts``, ``invitations`` and ``keys``; each refusal they raise
gets a sentence here, never a 500.
"""

from __future__ import annotations

from .. import accounts, invitations, keys, roles
from ..models import User

# The rules an action can break.
RULES = (
    accounts.OwnAccount,
    accounts.LastAdmin,
    accounts.LastKeyHolder,
    accounts.CentreByInvitation,
    keys.NoTeamKeyHeld,
    keys.CannotHoldTeamKey,
    invitations.InvitationNotValid,
)


def refusal(error: Exception, user: User) -> str:
    """What to tell the admin when a rule stops an action."""
    if isinstance(error, accounts.OwnAccount):
        return (
            "You cannot do this to your own account: another administrator has to. To sign "
            "yourself out everywhere, use Your account"
        )
    if isinstance(error, accounts.LastAdmin):
        return (
            f"{user.name} is the only active administrator. Make someone else an administrator "
            "first, so that nobody is locked out of the admin area"
        )
    if isinstance(error, accounts.LastKeyHolder):
        return (
            f"{user.name} is the only active person who holds the team key. Grant it to someone "
            "else first: otherwise only the recovery code could open reports"
        )
    if isinstance(error, accounts.CentreByInvitation):
        return (
            "An existing account cannot become a reporting centre's: centre staff are invited "
            "with their centre, from Invite someone"
        )
    if isinstance(error, keys.NoTeamKeyHeld):
        return (
            "You do not hold every current team key, so you cannot grant it. An administrator "
            "who can open reports has to do this; during a key rotation, sign out and in "
            "again first"
        )
    if isinstance(error, invitations.InvitationNotValid):
        return f"{user.name}'s account is disabled. Enable it before inviting them again"
    if user.role not in roles.GRANTABLE:
        return "Analysts and reporting centres can never be given access to reports"
    if user.disabled:
        return f"{user.name}'s account is disabled. Enable it first"
    return (
        f"{user.name} has not set up their account yet, so there is no key to seal the team "
        "key to. Grant access after they have used their invitation"
    )


def reinvite_refusal(error: Exception, user: User) -> str:
    """What to tell an admin whose new invitation link for ``user`` a rule refused."""
    if isinstance(error, accounts.LastKeyHolder):
        return (
            f"{user.name} is the only active person who holds the team key, and a new "
            "invitation would delete their copy of it. Grant the team key to someone else "
            "first; if nobody who holds it can, use the recovery code"
        )
    if isinstance(error, keys.NoTeamKeyHeld):
        return (
            f"You do not hold the team key, so you cannot invite {user.name} again: using the "
            "link would remove their access to reports or hand over an administrator's "
            "account. An administrator who can open reports has to do this"
        )
    return refusal(error, user)
