"""Exports of the ESMS waiting list: CSV for French Excel (UTF-8 with BOM, ``;``) and XLSX (openpyxl).

Built in memory from the rows the waiting list selector returns, so bounded by ``selectors.MAX_ROWS``
(10,000 rows, a few megabytes at most). Each export is one access-log entry (action "export", detail = the
number of rows), since it copies persons' data out of Relais.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.utils import timezone
from django.utils.http import urlencode
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from relais.audit.services import access_log_record
from relais.orientation.requests import statuses as st
from relais.orientation.requests.services import GROUND
from relais.orientation.terminology.selectors import status_labels
from relais.orientation.waiting_list.selectors import WaitingList, WaitingRow, attach_unit_statuses

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# (header, width in characters, value of a row); dates stay dates, the CSV writes them dd/mm/yyyy.
COLUMNS = [
    ("Rang", 6, lambda row, n, labels: n),
    ("Nom", 22, lambda row, n, labels: row.person.used_name or row.person.family_name),
    ("Nom de naissance", 22, lambda row, n, labels: row.person.family_name),
    ("Prénoms", 22, lambda row, n, labels: row.person.used_first_name or row.person.first_names),
    ("Date de naissance", 12, lambda row, n, labels: row.person.birth_date),
    ("Âge", 6, lambda row, n, labels: row.age),
    ("Établissement", 28, lambda row, n, labels: row.site.name),
    ("FINESS", 11, lambda row, n, labels: row.site.finess),
    ("Statut", 7, lambda row, n, labels: row.request.status),
    ("Libellé du statut", 30, lambda row, n, labels: labels.get(row.request.status, "")),
    # Words, not codes (decision 0038): the word the screens show, beside the code and the official label.
    ("Statut en clair", 18, lambda row, n, labels: st.status_word(row.request.status)),
    ("Motif", 7, lambda row, n, labels: row.request.status_reason),
    ("Motif en clair", 28, lambda row, n, labels: st.reason_word(row.request.status_reason)),
    (
        "Unités (statut)",
        30,
        lambda row, n, labels: ", ".join(
            f"{s.unit.name} ({s.status} {st.status_word(s.status)})" for s in row.unit_statuses
        ),
    ),
    ("Rang du souhait", 8, lambda row, n, labels: row.request.wish_rank),
    # The admission team's dates (decision 0043): the interview as local date and time, the entry as a date.
    (
        "Entretien de pré-admission",
        17,
        lambda row, n, labels: (
            timezone.localtime(row.request.interview_at).strftime("%d/%m/%Y %H:%M")
            if row.request.interview_at
            else None
        ),
    ),
    ("Date d'entrée prévue", 12, lambda row, n, labels: row.request.planned_entry_on),
    ("Date d'envoi", 12, lambda row, n, labels: timezone.localdate(row.sent_at)),
    ("Jours d'attente", 8, lambda row, n, labels: row.days_waited),
    ("Urgence (0 à 3)", 8, lambda row, n, labels: row.urgency),
    ("Distance (km)", 9, lambda row, n, labels: None if row.distance_km is None else round(row.distance_km, 1)),
    ("Points urgence", 8, lambda row, n, labels: _points(row, "urgency")),
    ("Points attente", 8, lambda row, n, labels: _points(row, "waited")),
    ("Points souhait", 8, lambda row, n, labels: _points(row, "wish")),
    ("Points distance", 8, lambda row, n, labels: _points(row, "distance")),
    ("Score de priorité", 9, lambda row, n, labels: row.score.total),
    (
        "Catégories orientées",
        14,
        lambda row, n, labels: ", ".join(
            str(c) for c in (row.request.decision.categories if row.request.decision else [])
        ),
    ),
]


def _points(row: WaitingRow, key: str) -> int:
    return next(part.points for part in row.score.parts if part.key == key)


def _safe(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @) is written as text (a leading apostrophe)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _records(rows: list[WaitingRow]):
    labels = status_labels()
    attach_unit_statuses(rows)
    for n, row in enumerate(rows, start=1):
        yield [_safe(value(row, n, labels)) for _header, _width, value in COLUMNS]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")  # French Excel reads a comma as the decimal separator
    return str(value)


def waiting_list_csv(rows: list[WaitingRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for header, _width, _value in COLUMNS])
    for record in _records(rows):
        writer.writerow([_csv_cell(value) for value in record])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def waiting_list_xlsx(rows: list[WaitingRow]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Liste d'attente"
    sheet.append([header for header, _width, _value in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, (_header, width, _value) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    for record in _records(rows):
        sheet.append(record)
    date_columns = [i for i, (header, _w, _v) in enumerate(COLUMNS, start=1) if header.startswith("Date")]
    for column in date_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "DD/MM/YYYY"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(result: WaitingList, fmt: str, today: date) -> str:
    """``liste-attente-<FINESS>-<date>.<ext>``: the filtered site's FINESS, else the only site's, else the managing
    body's legal entity when every site shares it."""
    sites = result.sites
    if result.filters.site is not None:
        sites = [site for site in sites if site.pk == result.filters.site]
    if len(sites) == 1:
        finess = sites[0].finess
    elif sites and len({site.legal_entity_id for site in sites}) == 1:
        finess = sites[0].legal_entity.finess
    else:
        finess = "plusieurs-etablissements"
    return f"liste-attente-{finess}-{today:%Y-%m-%d}.{fmt}"


def waiting_list_export(*, actor, result: WaitingList, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, filename) of the export, traced in the access log as one entry."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}.")
    content = waiting_list_csv(result.rows) if fmt == "csv" else waiting_list_xlsx(result.rows)
    filename = export_filename(result, fmt, timezone.localdate())
    count = len(result.rows)
    query = urlencode(result.filters.as_query())
    access_log_record(
        actor=actor,
        action="export",
        ground=GROUND,
        object_type="orientation.admissionrequest",
        detail=f"{count} ligne{'s' if count > 1 else ''} — liste d'attente {fmt.upper()} ({filename})"
        + (f" filtres {query}" if query else ""),
    )
    return content, FORMATS[fmt], filename
