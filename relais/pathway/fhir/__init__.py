"""The coordination record in FHIR: Patient, CareTeam, RelatedPerson, Consent, CarePlan, Goal, AuditEvent, Encounter
(timeline events and hospital stays).

Every handler asks the care-circle policy (``relais.pathway.policy.decide``) for the person the resource is about.
Task is shared with the SI-SDO status changes (``relais.fhir.shared``): the plan actions are one part (``task.py``).
See docs/decisions/0019-care-circle-policy.md, section "FHIR".
"""


def register() -> None:
    """Register the pathway resource types (called from PathwayConfig.ready())."""
    from relais.fhir.registry import register as fhir_register
    from relais.fhir.shared import register_part

    from . import audit_event, care_team, consent, events, movement, nde, patient, plan, related_person
    from . import common as c
    from .task import PLAN_TASK_PART

    fhir_register(
        "Patient",
        read=patient.read_patient,
        search=patient.search_patients,
        create=patient.create_patient,
        search_params=patient.SEARCH_PARAMS,
        documentation="Identité d'une personne suivie (profil FR Core Patient ; FR Core Patient INS quand la personne "
        "a un INS et un lieu de naissance) ; visible des membres de son cercle de soins selon la politique d'accès.",
        profile=patient.PROFILE,
    )
    fhir_register(
        "CareTeam",
        read=care_team.read_care_team,
        search=care_team.search_care_teams,
        create=care_team.create_care_team,
        update=care_team.update_care_team,
        search_params=care_team.SEARCH_PARAMS,
        documentation="Cercle de soins (profil ANS CDS CareTeam, id = dossier de coordination) ; fondement de l'accès "
        "de chaque membre dans l'extension urn:relais:fhir:extension:care-circle-access.",
        profile=c.CARE_TEAM_PROFILE,
    )
    fhir_register(
        "RelatedPerson",
        read=related_person.read_related_person,
        search=related_person.search_related_persons,
        create=related_person.create_related_person,
        update=related_person.update_related_person,
        search_params=related_person.RELATED_SEARCH_PARAMS,
        documentation="Proches du cercle de soins : personne de confiance, représentant·e légal·e, aidant·e (profil "
        "ANS CDS FrRelatedPerson).",
        profile=c.RELATED_PERSON_PROFILE,
    )
    # Consent: after the SI-SDO part (ESMS agreements for a decision's documents, relais.orientation.fhir).
    register_part("Consent", consent.CIRCLE_CONSENT_PART)
    fhir_register(
        "CarePlan",
        read=plan.read_care_plan,
        search=plan.search_care_plans,
        create=plan.create_care_plan,
        search_params=plan.SEARCH_PARAMS,
        documentation="Plan personnalisé de coordination en santé (PPCS) : besoins, objectifs, actions (Task).",
        profile=c.CARE_PLAN_PROFILE,
    )
    fhir_register(
        "Goal",
        read=plan.read_goal,
        search=plan.search_goals,
        create=plan.create_goal,
        search_params=plan.GOAL_SEARCH_PARAMS,
        documentation="Objectifs du PPCS.",
        profile=c.GOAL_PROFILE,
    )
    fhir_register(
        "AuditEvent",
        read=audit_event.read_audit_event,
        search=audit_event.search_audit_events,
        search_params=audit_event.SEARCH_PARAMS,
        documentation="Traçabilité des accès au dossier d'une personne (forme ANS TDE AuditEvent), lecture seule, "
        "pour les référent·es, coordinateur·rices et proches.",
        profile=audit_event.PROFILE,
    )
    # Encounter: the timeline's encounters, then the hospital stays (movements, decision 0045), served as one type.
    register_part("Encounter", events.TIMELINE_ENCOUNTER_PART)
    register_part("Encounter", movement.HOSPITAL_ENCOUNTER_PART)
    nde.register(fhir_register)
    # After the SI-SDO part (relais.orientation.fhir, an app listed before this one): status changes, then plan actions.
    register_part("Task", PLAN_TASK_PART)
