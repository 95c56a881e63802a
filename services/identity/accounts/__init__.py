"""Accounts: people who sign in, with a role and the place it is bound to."""
