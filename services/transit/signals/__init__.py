"""Transit signals."""
