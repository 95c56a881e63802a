"""Industry: assets."""
