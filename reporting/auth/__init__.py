"""Staff accounts: sign-in with password and authenticator, split-key sessions."""
