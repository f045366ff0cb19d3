"""The administrator area (accounts, invitations, grants, audit log) and invitation links."""
