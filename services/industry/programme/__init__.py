"""Industry: programme."""
