"""Enrolment: learners, seats, waitlists, offers and the notification outbox."""
