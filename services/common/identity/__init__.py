"""Accounts and devices of the whole suite, kept in the identity database that every service reads."""
