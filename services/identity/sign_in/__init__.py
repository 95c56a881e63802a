"""Signing in: bearer tokens, the throttle on failed attempts, and the audit of every attempt."""
