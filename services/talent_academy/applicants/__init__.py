"""Applicants: the public catalogue, applying with consent, and the personal status page behind a link."""
