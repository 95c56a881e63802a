"""Industry: air."""
