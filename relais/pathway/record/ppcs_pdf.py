"""The printable PPCS: a PDF made from a frozen version (decision 0040). No ORM: it reads the version's fields and its
`content` snapshot only, so a version prints the same whatever happened to the plan since.

ReportLab's platypus lays out the pages; the Bitstream Vera fonts shipped inside ReportLab carry the French letters
(œ, ’, ·) that the PDF core fonts lack, and are embedded in the file.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

TITLE = "Plan personnalisé de coordination en santé (PPCS)"


@cache
def _fonts() -> tuple[str, str]:
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont("RelaisVera", str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("RelaisVera-Bold", str(folder / "VeraBd.ttf")))
    return "RelaisVera", "RelaisVera-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=4 * mm),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, spaceBefore=5 * mm, spaceAfter=2 * mm),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=10.5, leading=13, spaceBefore=3 * mm, spaceAfter=1 * mm),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8.5, leading=10.5),
    }


def _fr(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _tasks_table(tasks: list[dict], st) -> Table:
    rows = [[_p(h, st["head"]) for h in ("Action", "Qui", "Échéance", "Statut")]]
    rows += [
        [_p(t["title"] + (f"\n{t['detail']}" if t["detail"] else ""), st["cell"]), _p(t["assignee"], st["cell"]),
         _p(_fr(t["due"]), st["cell"]), _p(t["status"], st["cell"])]
        for t in tasks
    ]  # fmt: skip
    table = Table(rows, colWidths=[78 * mm, 50 * mm, 22 * mm, 24 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def ppcs_pdf(version) -> bytes:
    """The PDF of one version: identity, agreement and review date, needs, goals with their actions, other actions."""
    st = _styles()
    content = version.content
    person = content["person"]
    used = f" (nom d'usage {person['used_name']})" if person.get("used_name") else ""
    story = [
        _p(TITLE, st["title"]),
        _p(
            f"{person['family_name'].upper()}{used} {person['first_names']}, né·e le {_fr(person['birth_date'])}",
            st["h3"],
        ),
        _p(
            f"Version {version.number}, établie le {version.issued_at:%d/%m/%Y} par {version.issued_by}."
            + (f" Référent·e du parcours : {content['referent']}." if content.get("referent") else ""),
            st["body"],
        ),
        _p(
            f"Accord de la personne : donné par {version.agreed_by} le {version.agreed_on:%d/%m/%Y} "
            f"({version.get_agreement_method_display().lower()}). Révision prévue le {version.review_on:%d/%m/%Y}.",
            st["body"],
        ),
        _p("Besoins", st["h2"]),
    ]
    needs = content.get("needs") or []
    story += [_p(f"{n['domain']} : {n['description']}", st["body"]) for n in needs] or [
        _p("Aucun besoin noté.", st["body"])
    ]
    story.append(_p("Objectifs et actions", st["h2"]))
    for index, goal in enumerate(content.get("goals") or [], 1):
        target = f", échéance le {_fr(goal['target'])}" if goal.get("target") else ""
        story.append(_p(f"Objectif {index} : {goal['description']} ({goal['status'].lower()}{target})", st["h3"]))
        if goal.get("need"):
            story.append(_p(f"Besoin : {goal['need']}", st["body"]))
        story.append(_tasks_table(goal["tasks"], st) if goal["tasks"] else _p("Aucune action.", st["body"]))
    if not content.get("goals"):
        story.append(_p("Aucun objectif noté.", st["body"]))
    if content.get("other_tasks"):
        story += [_p("Autres actions", st["h2"]), _tasks_table(content["other_tasks"], st)]
    story += [Spacer(1, 8 * mm), _p("Signature de la personne ou de son ou sa représentant·e :", st["body"])]

    regular, _bold = _fonts()
    footer = f"PPCS — {person['family_name'].upper()} {person['first_names']} — version {version.number}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLE} — version {version.number}",
        author="Relais",
        invariant=1,
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
