"""The named export of the work list: persons without solution, for the territory's response plan (« réponse
accompagnée pour tous », plan d'accompagnement global — PAG). CSV for French Excel and XLSX (openpyxl).

The persons are the work list's (``work_list.filtered`` with « sans solution » forced: the territory figure's
definition, in the actor's scope); the columns are what a PAG group needs to take up a situation, in words, never a
code: who, where they live, their current situation and urgency, the decision (number, dates, orientations and
care modes in words), the time since the decision, which ESMS were asked and what each answered. The medical part
is never read (decision 0032). The export is one access-log entry (action "export"), like the waiting list's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from relais.audit.services import access_log_record
from relais.offer.codes import CareMode
from relais.offer.models import Category
from relais.orientation.admission.models import AdmissionFile, LivingSituation, Urgency
from relais.orientation.admission.services import GROUND
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.follow_up.work_list import WorkFilters, filtered
from relais.orientation.requests import statuses as st
from relais.orientation.requests.models import AdmissionRequest
from relais.orientation.territory_figures.selectors import without_solution

# Shared with the waiting list's export: the content types, formula-safe text, French cells in a CSV.
from relais.orientation.waiting_list.exports import FORMATS, _csv_cell, _safe

# Refused by the ESMS: reported (45, may still go back to 42) or confirmed (46).
REFUSED = (st.ADMISSION_IMPOSSIBLE_REPORTED, st.ADMISSION_IMPOSSIBLE_CONFIRMED)
TITLE = "Personnes sans solution — plan d'accompagnement global"
# (header, width in characters)
COLUMNS = [
    ("Nom", 22),
    ("Nom de naissance", 22),
    ("Prénoms", 22),
    ("Date de naissance", 12),
    ("Âge", 6),
    ("Commune de résidence", 22),
    ("Situation actuelle", 28),
    ("Urgence", 24),
    ("Motif de l'urgence", 30),
    ("Décision MDPH n°", 18),
    ("Date de la décision", 12),
    ("Fin de validité", 12),
    ("Orientation(s)", 40),
    ("Mode(s) d'accompagnement", 30),
    ("Jours depuis la décision", 10),
    ("Demandes envoyées", 10),
    ("Demandes en attente", 10),
    ("Refus", 8),
    ("Établissements sollicités (réponse)", 60),
    ("Organisation qui a décidé", 24),
]


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _words(codes, labels: dict) -> str:
    return ", ".join(labels.get(code, "Non renseignée") for code in codes or [])


def pag_records(actor, filters: WorkFilters, today: date | None = None) -> list[list]:
    """One row per person without solution in the actor's scope (the work list's other filters kept)."""
    today = today or timezone.localdate()
    filters = replace(filters, without_solution=True)
    persons = list(filtered(actor, filters, today))
    ids = [p.pk for p in persons]
    files = {
        f.person_id: f
        for f in AdmissionFile.objects.filter(person_id__in=ids)
        .select_related("commune")
        .only("person_id", "living_situation", "urgency", "urgency_reason", "commune__name")
    }
    decisions: dict[int, OrientationDecision] = {}
    lacking = without_solution(
        OrientationDecision.objects.filter(person_id__in=ids), today=today, days=filters.without_solution_days
    )
    for decision in lacking.select_related("organisation").order_by("person_id", "-decision_date", "-pk"):
        decisions.setdefault(decision.person_id, decision)
    asked: dict[int, list[AdmissionRequest]] = {}
    for request in AdmissionRequest.objects.filter(person_id__in=ids).select_related("site").order_by("wish_rank"):
        asked.setdefault(request.person_id, []).append(request)
    categories = dict(Category.objects.values_list("code", "label"))
    modes, situations, urgencies = dict(CareMode.choices), dict(LivingSituation.choices), dict(Urgency.choices)
    records = []
    for person in persons:
        file, decision, requests = files.get(person.pk), decisions.get(person.pk), asked.get(person.pk, [])
        records.append(
            [
                person.used_name or person.family_name,
                person.family_name,
                person.used_first_name or person.first_names,
                person.birth_date,
                _age(person.birth_date, today),
                file.commune.name if file and file.commune else (person.city or ""),
                situations.get(file.living_situation, "") if file else "",
                urgencies.get(file.urgency, "") if file else "",
                file.urgency_reason if file else "",
                decision.mdph_decision_id if decision else "",
                decision.decision_date if decision else None,
                decision.validity_end if decision else None,
                _words(decision.categories, categories) if decision else "",
                _words(decision.care_types, modes) if decision else "",
                (today - decision.decision_date).days if decision and decision.decision_date else None,
                len(requests),
                sum(1 for r in requests if r.status in st.ESMS_WITHOUT_PLACE),
                sum(1 for r in requests if r.status in REFUSED),
                " ; ".join(f"{r.site.name} ({st.status_word(r.status)})" for r in requests),
                decision.organisation.name if decision and decision.organisation else "",
            ]
        )
    return [[_safe(value) for value in record] for record in records]


def pag_csv(records: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for header, _width in COLUMNS])
    for record in records:
        writer.writerow([_csv_cell(value) for value in record])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def pag_xlsx(records: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sans solution (PAG)"
    sheet.append([header for header, _width in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    for record in records:
        sheet.append(record)
    for index, (header, _width) in enumerate(COLUMNS, start=1):
        if header.startswith("Date") or header == "Fin de validité":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "DD/MM/YYYY"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pag_export(*, actor, filters: WorkFilters, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, filename) of the export, traced in the access log as one entry."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}.")
    today = timezone.localdate()
    records = pag_records(actor, filters, today)
    content = pag_csv(records) if fmt == "csv" else pag_xlsx(records)
    filename = f"sans-solution-pag-{today:%Y-%m-%d}.{fmt}"
    count = len(records)
    access_log_record(
        actor=actor,
        action="export",
        ground=GROUND,
        object_type="persons.person",
        detail=f"{count} personne{'s' if count > 1 else ''} — {TITLE} {fmt.upper()} ({filename})",
    )
    return content, FORMATS[fmt], filename
