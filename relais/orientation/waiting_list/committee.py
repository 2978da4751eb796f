"""The admission committee's list: the requests to examine, each with the facts a committee reads, in words.

Built from the waiting list's rows (same scope, filters, sorting), plus the administrative part of each file. The
medical part (GIR, care needs, medical notes) is added only for the files ``policy.can_read_medical`` opens to the
actor (decision 0032), read in one query for those files and each read traced about its person; everyone else gets
no medical value at all, not even hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.audit.services import access_log_record
from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.admission.selectors import MEDICAL_COLUMNS, MedicalPart
from relais.orientation.requests.services import GROUND
from relais.orientation.waiting_list.labels import care_mode_names, category_names
from relais.orientation.waiting_list.selectors import WaitingRow, attach_unit_statuses, file_of

# A committee examines tens of requests; beyond this the user is asked to filter (by site, unit, status).
MAX_COMMITTEE_ROWS = 200


@dataclass
class CommitteeRow:
    row: WaitingRow
    file: AdmissionFile | None  # loaded without its medical columns
    categories: str
    care_modes: str
    medical: MedicalPart | None


def committee_rows(*, actor, rows: list[WaitingRow]) -> list[CommitteeRow]:
    rows = attach_unit_statuses(rows[:MAX_COMMITTEE_ROWS])
    files = {row.request.pk: file_of(row.person) for row in rows}
    readable = [file.pk for file in files.values() if file is not None and policy.can_read_medical(actor, file)]
    medical: dict[int, MedicalPart] = {}
    if readable:
        values = AdmissionFile.objects.filter(pk__in=readable).values(
            "pk", "person_id", *MEDICAL_COLUMNS, "medical_updated_at"
        )
        for value in values:
            medical[value["pk"]] = MedicalPart(
                gir=value["gir"],
                care_needs=value["care_needs"],
                medical_notes=value["medical_notes"],
                author_name="",
                updated_at=value["medical_updated_at"],
            )
            access_log_record(
                actor=actor,
                action="read",
                object_type="orientation.admissionfile",
                object_id=str(value["pk"]),
                subject=f"persons.person:{value['person_id']}",
                ground=GROUND,
                detail="volet médical, liste pour la commission d'admission",
            )
    result = []
    for row in rows:
        file = files[row.request.pk]
        decision = row.request.decision
        result.append(
            CommitteeRow(
                row=row,
                file=file,
                categories=category_names(decision.categories) if decision else "",
                care_modes=care_mode_names(decision.care_types) if decision else "",
                medical=medical.get(file.pk) if file is not None else None,
            )
        )
    return result
