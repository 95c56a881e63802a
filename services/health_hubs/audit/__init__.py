"""audit of the health hubs: the access log every record access writes."""
