"""Resource types the FHIR app serves itself (those of apps without their own FHIR module)."""
