"""indicators of the health hubs."""
