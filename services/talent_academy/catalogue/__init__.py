"""Catalogue: tracks, courses and their prerequisite graph, offerings (cohorts) with seats and rules."""
