"""The orientation app's model registry: Django and the migrations find the app's models here.

Each model lives in the sub-package that holds its services and selectors; this module only imports them, so that
``orientation.<Model>`` resolves and ``makemigrations`` sees them. Code imports a model from its sub-package.
"""

from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import DecisionConsent, DecisionDocument, OrientationDecision
from relais.orientation.proposals.models import MatchProposal
from relais.orientation.requests.models import (
    AdmissionRequest,
    AdmissionSubmission,
    RequestDatesChange,
    StatusTransition,
    UnitRequestStatus,
)
from relais.orientation.terminology.models import CodeSystem, Concept, StatusReasonRule, SystemAlias, ValueSet

__all__ = [
    "AdmissionFile",
    "AdmissionRequest",
    "AdmissionSubmission",
    "CodeSystem",
    "Concept",
    "DecisionConsent",
    "DecisionDocument",
    "MatchProposal",
    "OrientationDecision",
    "RequestDatesChange",
    "StatusReasonRule",
    "StatusTransition",
    "SystemAlias",
    "UnitRequestStatus",
    "ValueSet",
]
