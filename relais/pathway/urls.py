"""Routes of the coordination record (mounted at /parcours/)."""

from django.urls import path

from relais.pathway.screens import (
    views_circle,
    views_dashboard,
    views_movements,
    views_plan,
    views_plan_versions,
    views_record,
    views_subscriptions,
)

app_name = "pathway"
urlpatterns = [
    path("", views_record.records, name="records"),
    path("ouvrir/", views_record.record_open_view, name="record_open"),
    path("mes-personnes/", views_dashboard.dashboard, name="dashboard"),
    path("mes-personnes/equipe/", views_dashboard.team, name="team"),
    path("mes-personnes/equipe/dossiers/<int:pk>/je-prends/", views_dashboard.record_take, name="record_take"),
    path("mes-personnes/equipe/actions/<int:task_pk>/je-prends/", views_dashboard.task_take, name="task_take"),
    path("dossiers/<int:pk>/confier/", views_dashboard.record_handover, name="record_handover"),
    path("personnes/<int:person_pk>/", views_record.record_by_person, name="record_by_person"),
    path("dossiers/<int:pk>/", views_record.record_detail, name="record"),
    path("dossiers/<int:pk>/evenements/", views_record.event_add, name="event_add"),
    path("dossiers/<int:pk>/documents/", views_record.document_add, name="document_add"),
    path("documents/<int:pk>/", views_record.document_download, name="document"),
    path("dossiers/<int:pk>/qui-a-consulte/", views_record.access_history, name="access_history"),
    path("dossiers/<int:pk>/cercle/professionnel/", views_circle.professional_add, name="professional_add"),
    path("dossiers/<int:pk>/cercle/professionnels/", views_circle.professional_pick, name="professional_pick"),
    path("dossiers/<int:pk>/cercle/proche/", views_circle.proxy_add, name="proxy_add"),
    path("dossiers/<int:pk>/cercle/opposition/", views_circle.objection_add, name="objection_add"),
    path(
        "dossiers/<int:pk>/cercle/oppositions/<int:objection_pk>/levee/",
        views_circle.objection_withdraw,
        name="objection_withdraw",
    ),
    path(
        "dossiers/<int:pk>/cercle/consentements/<int:consent_pk>/retrait/",
        views_circle.consent_revoke,
        name="consent_revoke",
    ),
    path("dossiers/<int:pk>/cercle/membres/<int:member_pk>/fin/", views_circle.member_end, name="member_end"),
    path("dossiers/<int:pk>/plan/", views_plan.plan_detail, name="plan"),
    path("dossiers/<int:pk>/plan/besoins/", views_plan.need_add, name="need_add"),
    path("dossiers/<int:pk>/plan/objectifs/", views_plan.goal_add, name="goal_add"),
    path("dossiers/<int:pk>/plan/actions/", views_plan.task_add, name="task_add"),
    path("dossiers/<int:pk>/plan/versions/", views_plan_versions.plan_version_add, name="plan_version_add"),
    path(
        "dossiers/<int:pk>/plan/versions/<int:number>.pdf",
        views_plan_versions.plan_version_pdf,
        name="plan_version_pdf",
    ),
    path("actions/<int:task_pk>/statut/", views_plan.task_status, name="task_status"),
    path("actions/<int:task_pk>/commentaires/", views_plan.task_comment, name="task_comment"),
    path("mes-taches/", views_plan.my_tasks, name="my_tasks"),
    path("dossiers/<int:pk>/abonnement/", views_subscriptions.subscription_box, name="subscription"),
    path(
        "dossiers/<int:pk>/abonnement/modifier/",
        views_subscriptions.subscription_update,
        name="subscription_update",
    ),
    path("dossiers/<int:pk>/hospitalisations/", views_movements.movement_add, name="movement_add"),
    path(
        "dossiers/<int:pk>/hospitalisations/<int:movement_pk>/sortie-prevue/",
        views_movements.movement_planned,
        name="movement_planned",
    ),
    path(
        "dossiers/<int:pk>/hospitalisations/<int:movement_pk>/sortie/",
        views_movements.movement_discharge,
        name="movement_discharge",
    ),
    path(
        "dossiers/<int:pk>/hospitalisations/<int:movement_pk>/compte-rendu/",
        views_movements.movement_summary,
        name="movement_summary",
    ),
]
