"""The pathway app's model registry: Django and the migrations find the app's models here.

Each model lives in the sub-package that holds its services and selectors; this module only imports them, so that
``pathway.<Model>`` resolves and ``makemigrations`` sees them. Code imports a model from its sub-package.
"""

from relais.pathway.circle.models import CircleMember, Consent, CoordinationRecord, Objection
from relais.pathway.record.models import (
    CarePlan,
    Document,
    PlanGoal,
    PlanNeed,
    PlanTask,
    PlanVersion,
    TaskComment,
    TimelineEvent,
)
from relais.pathway.record.movements import HospitalMovement

__all__ = [
    "CarePlan",
    "CircleMember",
    "Consent",
    "CoordinationRecord",
    "Document",
    "HospitalMovement",
    "Objection",
    "PlanGoal",
    "PlanNeed",
    "PlanTask",
    "PlanVersion",
    "TaskComment",
    "TimelineEvent",
]
