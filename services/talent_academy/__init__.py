"""The talent_academy service: The AI Future Talent Academy: enrolment, waitlists, completion, jobs."""
