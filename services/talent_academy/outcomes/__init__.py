"""Outcomes: completion by criteria, employment at 3 and 6 months, indicators and the overview."""
