"""Identity: accounts, devices, sign-in and pairing, kept in the identity database that every service reads.

A service reaches it only through `services.identity.app` (its app factory mounts `/v1/auth` and gives common's
auth the directory of accounts and devices); tests/test_boundaries.py holds that contract."""
