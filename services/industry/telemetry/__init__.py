"""Industry: telemetry."""
