"""The staff roles, in one place: who may hold team keys and who does casework."""

from __future__ import annotations

ADMIN, OFFICER, ANALYST, CENTRE = "admin", "officer", "analyst", "centre"
ALL = (ADMIN, OFFICER, ANALYST, CENTRE)
# Roles that can be granted the team keys that open reports.
GRANTABLE = (ADMIN, OFFICER)
# Roles that open, triage and assign reports.
CASEWORK = (OFFICER, ADMIN)
