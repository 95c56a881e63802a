"""residents of the health hubs."""
