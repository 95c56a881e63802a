"""care of the health hubs."""
