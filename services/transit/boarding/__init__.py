"""Transit boarding."""
