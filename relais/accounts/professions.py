"""Professional categories of the French sharing rules.

Health professionals (CSP, fourth part) and the social and medico-social
professionals listed by CSP article R1110-2 may share a person's information
under conditions; every professional account carries one of these categories.
Whether a category is a health profession is decided here and nowhere else.
"""

from django.db import models


class ProfessionalCategory(models.TextChoices):
    # Health professionals (Code de la santé publique, fourth part).
    PHYSICIAN = "physician", "Médecin"
    DENTIST = "dentist", "Chirurgien-dentiste"
    MIDWIFE = "midwife", "Sage-femme"
    PHARMACIST = "pharmacist", "Pharmacien"
    NURSE = "nurse", "Infirmier·ère"
    PHYSIOTHERAPIST = "physiotherapist", "Masseur-kinésithérapeute"
    PODIATRIST = "podiatrist", "Pédicure-podologue"
    OCCUPATIONAL_THERAPIST = "occupational_therapist", "Ergothérapeute"
    PSYCHOMOTOR_THERAPIST = "psychomotor_therapist", "Psychomotricien·ne"
    SPEECH_THERAPIST = "speech_therapist", "Orthophoniste"
    ORTHOPTIST = "orthoptist", "Orthoptiste"
    DIETITIAN = "dietitian", "Diététicien·ne"
    CARE_ASSISTANT = "care_assistant", "Aide-soignant·e"
    AMBULANCE_WORKER = "ambulance_worker", "Ambulancier·ère"
    # Social and medico-social professionals (CSP R1110-2).
    SOCIAL_WORKER = "social_worker", "Assistant·e de service social"
    PSYCHOLOGIST = "psychologist", "Psychologue"
    SUPPORT_WORKER = "support_worker", "Accompagnant·e éducatif·ve et social·e (AES, AMP)"
    FOSTER_CARER = "foster_carer", "Assistant·e familial·e"
    EDUCATOR = "educator", "Éducateur·rice"
    FAMILY_HOST = "family_host", "Accueillant·e familial·e"
    GUARDIANSHIP_OFFICER = "guardianship_officer", "Mandataire judiciaire à la protection des majeurs"
    ESMS_STAFF = "esms_staff", "Personnel non soignant d'un ESMS"
    COORDINATION_STAFF = "coordination_staff", "Professionnel·le de la coordination (DAC, MAIA)"
    MDPH_TEAM = "mdph_team", "Membre de l'équipe pluridisciplinaire MDPH"
    APA_TEAM = "apa_team", "Membre de l'équipe médico-sociale APA"
    # Everyone else (administration, analysts): no access to personal data by profession.
    ADMINISTRATIVE = "administrative", "Personnel administratif"


HEALTH_PROFESSIONS = frozenset(
    {
        ProfessionalCategory.PHYSICIAN,
        ProfessionalCategory.DENTIST,
        ProfessionalCategory.MIDWIFE,
        ProfessionalCategory.PHARMACIST,
        ProfessionalCategory.NURSE,
        ProfessionalCategory.PHYSIOTHERAPIST,
        ProfessionalCategory.PODIATRIST,
        ProfessionalCategory.OCCUPATIONAL_THERAPIST,
        ProfessionalCategory.PSYCHOMOTOR_THERAPIST,
        ProfessionalCategory.SPEECH_THERAPIST,
        ProfessionalCategory.ORTHOPTIST,
        ProfessionalCategory.DIETITIAN,
        ProfessionalCategory.CARE_ASSISTANT,
        ProfessionalCategory.AMBULANCE_WORKER,
    }
)


def is_health_professional(category: str) -> bool:
    return category in HEALTH_PROFESSIONS
