"""« Séjours en cours » (decision 0045, issue 13): the hospital stays going on in the user's own organisation, for the
home page of a hospital nurse or social worker, each with its discharge to note in place.

Only a health establishment (``OrganisationKind.HOSPITAL``) has stays going on in it: a DAC or an ESMS that noted a
stay for a person it follows sees it in the record and « Mes personnes », not here. A stay is "in her organisation"
when her organisation noted it last (``recorded_by_organisation``: the web screens and the FHIR Encounter both set
it), or when the stay names the organisation (its name, or its FINESS number as a hospital's software sends it).
Only the circles she is an active member of count, and each line is judged by the care-circle policy (``decide_many``):
the person's name needs IDENTITY, the stay's facts SOCIAL, the « Noter la sortie » form the right to WRITE social data.
No medical content is read here (no reason, no summary). A fixed number of queries whatever the number of stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from relais.accounts.roles import OrganisationKind
from relais.pathway import matrix as m
from relais.pathway.policy import active_memberships_in, decide_many
from relais.pathway.record.movements import HospitalMovement

LIMIT = 50  # a ward's worth; the home page is not a work list


@dataclass
class StayLine:
    stay: HospitalMovement
    decision: object  # the IDENTITY decision (the access log's ground for the name shown)
    may_write: bool
    overdue: bool  # the planned discharge day has passed and no discharge is noted

    @property
    def person(self):
        return self.stay.record.person


def stays_in_progress(*, user, organisation, today: date | None = None) -> list[StayLine]:
    if user is None or organisation is None or organisation.kind != OrganisationKind.HOSPITAL:
        return []
    today = today or timezone.localdate()
    # Noted last by someone else (the DAC moving the planned day), a stay stays hers by its hospital's name or FINESS.
    mine = Q(recorded_by_organisation=organisation) | Q(hospital__iexact=organisation.name)
    finess = organisation.finess_number
    if finess:
        mine |= Q(hospital_finess=finess)
    circles = active_memberships_in(user=user, organisation=organisation, records=None).values("record_id")
    stays = list(
        HospitalMovement.objects.filter(mine, discharged_on__isnull=True, record_id__in=circles)
        .filter(record__closed_at__isnull=True)
        .select_related("record__person")
        .order_by("planned_discharge_on", "admitted_on", "pk")[:LIMIT]
    )
    if not stays:
        return []
    records = list({stay.record_id for stay in stays})
    reads = decide_many(user=user, organisation=organisation, records=records, categories=[m.IDENTITY, m.SOCIAL])
    writes = decide_many(user=user, organisation=organisation, records=records, categories=[m.SOCIAL], action=m.WRITE)
    lines = []
    for stay in stays:
        read = reads.get(stay.record_id)
        if read is None or not (read[m.IDENTITY].allowed and read[m.SOCIAL].allowed):
            continue
        write = writes.get(stay.record_id)
        overdue = stay.planned_discharge_on is not None and stay.planned_discharge_on < today
        lines.append(StayLine(stay, read[m.IDENTITY], bool(write and write[m.SOCIAL].allowed), overdue))
    return lines
