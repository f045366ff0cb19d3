"""Staff accounts: sign-in with password and authenticator, split-key sessions.

The domain side only (no blueprints): ``access`` and ``accounts`` build on it, so its pages
live in ``reporting.signin``.
"""
