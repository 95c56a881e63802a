"""overview of the health hubs: the headline figures and what waits for staff."""
