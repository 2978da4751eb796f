"""Conformance of Relais's FHIR resources to the ANS profiles (decision 0048).

The constraints come from a committed snapshot of the guides' FSH (reference/fhir-profiles/, written by
scripts/fhir_profiles_snapshot.py); the product never reads the FSH itself.
"""

from .checker import Problem, Result, check, check_bundle, check_resource

__all__ = ["Problem", "Result", "check", "check_bundle", "check_resource"]
