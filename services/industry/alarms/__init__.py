"""Industry: alarms."""
