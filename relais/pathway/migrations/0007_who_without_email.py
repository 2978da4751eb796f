"""Decision 0054: the "who" stored as text before it (Actor.label, "Name <e-mail>") loses its e-mail address.

Those texts are shown to the other members of a circle and to other organisations. The organisation is not added
(it is not known for every row); the access log (append-only, chained) and the status transitions (append-only)
keep theirs: the first is read by the organisation's own administrators, the second shows it through
`without_email` at display time.
"""

import re

from django.db import migrations

LABEL_EMAIL = re.compile(r"\s*<[^<>\s@]+@[^<>\s]+>")
BARE_EMAIL = re.compile(r"[^\s<>()«»]+@[^\s<>()«»]+")

# (app, model, text fields) written from Actor.label before decision 0054.
FIELDS = (
    ("agenda", "Appointment", ("booked_by", "cancelled_by")),
    ("evaluations", "FormResponse", ("author",)),
    ("messaging", "Thread", ("created_by",)),
    ("messaging", "Message", ("author",)),
    ("messaging", "ReadReceipt", ("reader",)),
    ("offer", "CapacityUpdate", ("by_label",)),
    ("offer", "Unit", ("capacity_updated_by",)),
    ("orientation", "MatchProposal", ("decided_by",)),
    ("orientation", "AdmissionRequest", ("created_by",)),
    ("pathway", "CoordinationRecord", ("opened_by",)),
    ("pathway", "CircleMember", ("added_by",)),
    ("pathway", "Consent", ("collected_by", "revoked_by")),
    ("pathway", "Objection", ("recorded_by",)),
    ("pathway", "TimelineEvent", ("author",)),
    ("pathway", "Document", ("uploaded_by",)),
    ("pathway", "PlanVersion", ("issued_by",)),
    ("pathway", "PlanTask", ("created_by",)),
    ("pathway", "TaskComment", ("author",)),
)


def without_email(text):
    return BARE_EMAIL.sub("utilisateur·rice", LABEL_EMAIL.sub("", text or ""))


def forwards(apps, schema_editor):
    from django.db.models import Q

    # The evaluation's stored QuestionnaireResponse names its author too (the same text as its `author`).
    responses = apps.get_model("evaluations", "FormResponse")
    for row in responses.objects.filter(author__contains="@").only("pk", "response").iterator(chunk_size=500):
        author = row.response.get("author") if isinstance(row.response, dict) else None
        if isinstance(author, dict) and "@" in str(author.get("display", "")):
            author["display"] = without_email(author["display"])
            row.save(update_fields=["response"])
    for app, name, fields in FIELDS:
        model = apps.get_model(app, name)
        having = Q()
        for field in fields:
            having |= Q(**{f"{field}__contains": "@"})
        batch = []
        for row in model.objects.filter(having).only("pk", *fields).iterator(chunk_size=1000):
            for field in fields:
                setattr(row, field, without_email(getattr(row, field)))
            batch.append(row)
            if len(batch) == 1000:
                model.objects.bulk_update(batch, fields)
                batch = []
        if batch:
            model.objects.bulk_update(batch, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0006_circle_member_name_and_phone"),
        ("agenda", "0002_concertation_meetings"),
        ("evaluations", "0003_recompute_gir_sub_variable_rule"),
        ("messaging", "0001_initial"),
        ("offer", "0003_one_esms_identity"),
        ("orientation", "0007_admission_dates"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
