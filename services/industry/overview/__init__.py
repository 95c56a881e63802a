"""overview of the industry service: the day's headline figures and what needs attention."""
