"""readings of the health hubs."""
