"""The transit overview: the day's boarding and crossing figures and what needs attention."""
