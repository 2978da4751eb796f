"""FHIR R4 façade at /fhir/: a registry of resource types, served as application/fhir+json.

See relais/fhir/registry.py for how an app serves its resources, and
docs/decisions/0005-fhir.md for the conventions.
"""
