"""Industry: kpi."""
