"""The territory's view (MDPH, conseil départemental, ARS, national): aggregated demand, charts, exports.

Thin views over ``territory_figures.selectors``; access follows ``policy.may_see_territory`` (403 otherwise). Only
aggregates are shown or exported, with small cells suppressed when ``policy.may_see_small_cells`` is false.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook

from relais.offer.models import Category
from relais.orientation.screens.charts import bar_chart, box_chart
from relais.orientation.territory_figures.selectors import Filters, departements_in, territory_report, territory_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TerritoryFilterForm(forms.Form):
    departement = forms.ChoiceField(label="Département", required=False)
    category = forms.ChoiceField(label="Catégorie d'établissement", required=False)
    start = forms.DateField(
        label="Du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Période : date d'envoi des demandes, date des décisions.",
    )
    end = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(
        label="Sans solution après (jours)", min_value=0, max_value=3650, initial=90, required=False
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [("", "Tout le périmètre")] + [
            (code, f"{code} — {name}") for code, name in departements_in(scope)
        ]
        categories = Category.objects.filter(is_medico_social=True).order_by("code").values_list("code", "label")
        self.fields["category"].choices = [("", "Toutes")] + [(c, f"{c} — {lb}") for c, lb in categories]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("La date de début (« Du ») doit précéder la date de fin (« Au »).")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        days = data.get("days")
        return Filters(
            departement=data.get("departement") or "",
            category=data.get("category") or "",
            start=data.get("start"),
            end=data.get("end"),
            days=90 if days is None else days,
        )


def _report(request):
    scope = territory_scope(getattr(request, "actor", None))
    if scope is None:
        raise PermissionDenied(
            "La vue du territoire est réservée aux MDPH, conseils départementaux, ARS et niveau national."
        )
    form = TerritoryFilterForm(request.GET or None, scope=scope)
    return form, territory_report(request.actor, form.filters(), today=timezone.localdate())


def territory(request):
    form, report = _report(request)
    tables = {t.slug: t for t in report["tables"]}
    category = tables["demande-categorie"]
    delays = tables["delais"]
    charts = {
        "demande-categorie": bar_chart(
            chart_id="chart-demand",
            title=category.title,
            desc="Pour chaque catégorie, le nombre d'inscriptions en liste d'attente et le nombre de personnes "
            "distinctes ; les mêmes chiffres figurent dans le tableau qui suit.",
            series=category.columns,
            rows=category.body,
        ),
        "delais": box_chart(
            chart_id="chart-delays",
            title=delays.title,
            desc="Pour chaque catégorie, la boîte va du premier au troisième quartile du délai en jours, le trait "
            "marque la médiane ; les mêmes chiffres figurent dans le tableau qui suit.",
            rows=[(label, cells[1:]) for label, cells in delays.body]
            + [("Toutes catégories", delays.total_display[1:])],
        ),
    }
    return render(
        request,
        "orientation/territory/territory.html",
        {
            "form": form,
            "report": report,
            "tables": report["tables"],
            "charts": charts,
            "query": request.GET.urlencode(),
        },
    )


def _rows(table) -> list[list[str]]:
    rows = [[label, *cells] for label, cells in table.body]
    if table.total_display is not None:
        rows.append(["Total", *table.total_display])
    return rows


def _cell(text: str):
    """Numbers (French decimal comma included) as numbers; suppression marks and labels as text."""
    try:
        return int(text) if text.isdigit() else float(text.replace(",", ".")) if text[:1].isdigit() else text
    except ValueError:
        return text


def territory_export(request, table: str, fmt: str):
    _form, report = _report(request)
    found = next((t for t in report["tables"] if t.slug == table), None)
    if found is None or fmt not in ("csv", "xlsx"):
        raise Http404("Tableau ou format inconnu.")
    header = ["", *found.columns]
    filename = f"relais-{found.slug}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow([found.title])
        writer.writerow(header)
        writer.writerows(_rows(found))
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = found.slug[:31]
        sheet.append([found.title])
        sheet.append(header)
        for row in _rows(found):
            # Numbers stay numbers; suppression marks stay text.
            sheet.append([_cell(c) for c in row])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
