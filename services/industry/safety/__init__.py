"""Safe work: gas detectors and suitable-air limits, hazardous-work permits, heat stress, accident indicators."""
