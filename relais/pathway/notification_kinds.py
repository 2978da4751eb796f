"""The person events of the coordination record (discovered by the notifications app at start-up).

Each is also a notification kind, so users can switch it off on their preference page. Kinds of the other pathway
tools (messages, appointments, evaluations) are declared by their apps with ``person_event_kind_register``.
"""

from relais.notifications.registry import NotificationKind, register
from relais.pathway.events.kinds import PersonEventKind, person_event_kind_register
from relais.pathway.record.models import EventKind

from . import matrix as m

# National event types (JDV_J46 / TRE_R254) where one fits: ADM and SOR for admissions and discharges (of an
# establishment, a service or a hospital: the list has no medico-social variant), DOC for a document. The other kinds
# have no national equivalent and keep their Relais code (decision 0052).

ADMISSION = person_event_kind_register(
    PersonEventKind(
        code="pathway.admission",
        label="Admission de la personne",
        category=m.SOCIAL,
        description="Une admission (établissement, service) est notée dans la chronologie du dossier.",
        nde_code="ADM",
        nde_display="Admission d'un patient dans un établissement de santé",
    )
)
DISCHARGE = person_event_kind_register(
    PersonEventKind(
        code="pathway.discharge",
        label="Sortie de la personne",
        category=m.SOCIAL,
        description="Une sortie (d'hospitalisation, d'établissement) est notée dans la chronologie du dossier.",
        nde_code="SOR",
        nde_display="Sortie d'un patient de l'établissement de santé",
    )
)
HOSPITAL_STAY = person_event_kind_register(
    PersonEventKind(
        code="pathway.hospital_stay",
        label="Hospitalisation de la personne",
        category=m.SOCIAL,
        description="Une hospitalisation est notée dans la chronologie du dossier.",
    )
)
HOME_VISIT = person_event_kind_register(
    PersonEventKind(
        code="pathway.home_visit",
        label="Visite à domicile",
        category=m.SOCIAL,
        description="Une visite à domicile est notée dans la chronologie du dossier.",
    )
)
DOCUMENT_NEW = person_event_kind_register(
    PersonEventKind(
        code="pathway.document_new",
        label="Nouveau document",
        category=m.DOCUMENTS,
        description="Un document est déposé dans le dossier.",
        nde_code="DOC",
        nde_display="Dépôt de document pour un patient",
    )
)
TASK_NEW = person_event_kind_register(
    PersonEventKind(
        code="pathway.task_new",
        label="Nouvelle action du plan",
        category=m.PLAN,
        description="Une action est ajoutée au plan personnalisé de coordination.",
    )
)
TASK_OVERDUE = person_event_kind_register(
    PersonEventKind(
        code="pathway.task_overdue",
        label="Action du plan en retard",
        category=m.PLAN,
        description="Une action du plan a dépassé son échéance sans être faite (une seule fois par action).",
    )
)
PLAN_CHANGED = person_event_kind_register(
    PersonEventKind(
        code="pathway.plan_changed",
        label="Plan personnalisé modifié",
        category=m.PLAN,
        description="Un besoin, un objectif ou le statut d'une action du plan a changé.",
    )
)

# Not a person event: a reminder to the record's referent only, whoever follows the person.
PLAN_REVIEW_DUE = register(
    NotificationKind(
        code="pathway.plan_review_due",
        label="Révision du plan personnalisé à faire",
        description="La date de révision de la dernière version validée du PPCS est atteinte (au ou à la référent·e).",
    )
)

# Timeline event kind -> person event kind (the other timeline kinds notify nobody).
TIMELINE = {
    EventKind.ADMISSION: ADMISSION.code,
    EventKind.DISCHARGE: DISCHARGE.code,
    EventKind.HOSPITAL_STAY: HOSPITAL_STAY.code,
    EventKind.HOME_VISIT: HOME_VISIT.code,
}

# Not a person event either: the colleague a record is handed to (decision 0044), whoever follows the person.
RECORD_HANDED_OVER = register(
    NotificationKind(
        code="pathway.record_handed_over",
        label="Dossier qui vous est confié",
        description="Un·e collègue vous confie un dossier de coordination : vous en devenez le ou la référent·e.",
    )
)
# Hospital movements (decision 0045): the facts go to the whole circle as social data, the medical content as medical.
HOSPITAL_ENTRY = person_event_kind_register(
    PersonEventKind(
        code="pathway.hospital_entry",
        label="Entrée à l'hôpital",
        category=m.SOCIAL,
        description="La personne est entrée à l'hôpital (ou son entrée est prévue) : établissement et dates dans le "
        "dossier. Tout le cercle de soins en est prévenu.",
        nde_code="ADM",
        nde_display="Admission d'un patient dans un établissement de santé",
    )
)
HOSPITAL_DISCHARGE_PLANNED = person_event_kind_register(
    PersonEventKind(
        code="pathway.hospital_discharge_planned",
        label="Sortie d'hôpital prévue",
        category=m.SOCIAL,
        description="La date de sortie prévue d'un séjour à l'hôpital est notée ou change.",
    )
)
HOSPITAL_DISCHARGE = person_event_kind_register(
    PersonEventKind(
        code="pathway.hospital_discharge",
        label="Sortie d'hôpital",
        category=m.SOCIAL,
        description="La personne est sortie de l'hôpital : date et destination (domicile, ESMS, autre établissement…).",
        nde_code="SOR",
        nde_display="Sortie d'un patient de l'établissement de santé",
    )
)
HOSPITAL_MEDICAL = person_event_kind_register(
    PersonEventKind(
        code="pathway.hospital_medical",
        label="Informations médicales d'un séjour à l'hôpital",
        category=m.MEDICAL,
        description="Motif d'hospitalisation ou compte rendu de sortie ajouté (aux seuls membres autorisés à lire les "
        "données médicales).",
    )
)
