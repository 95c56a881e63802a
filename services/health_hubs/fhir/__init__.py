"""fhir of the health hubs."""
