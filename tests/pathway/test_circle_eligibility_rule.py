"""Who may enter a care circle (decision 0031): the pure rule, per ground, organisation kind, role and professional
category. The expectations are written out here, never computed with the rule."""

import pytest

from relais.accounts.professions import ProfessionalCategory
from relais.accounts.roles import ROLES_BY_KIND
from relais.pathway.circle.eligibility import professional_eligibility, proxy_account_eligibility

# A nurse, for every role each organisation kind allows: (kind, role) -> (care_team, consent).
NURSE_BY_KIND_AND_ROLE = """
managing_body        admin              administration     administration
managing_body        member             not_care_provider  eligible
managing_body        director           administration     administration
managing_body        analyst            analyst            analyst
esms                 admin              eligible           eligible
esms                 member             eligible           eligible
esms                 director           eligible           eligible
esms                 admission_officer  eligible           eligible
esms                 care_professional  eligible           eligible
mdph                 admin              administration     administration
mdph                 member             not_care_provider  eligible
mdph                 director           administration     administration
mdph                 orientation_officer not_care_provider eligible
mdph                 analyst            analyst            analyst
departement_council  admin              administration     administration
departement_council  member             not_care_provider  eligible
departement_council  director           administration     administration
departement_council  orientation_officer not_care_provider eligible
departement_council  analyst            analyst            analyst
ars                  admin              funder             funder
ars                  member             funder             funder
ars                  analyst            analyst            analyst
dac                  admin              eligible           eligible
dac                  member             eligible           eligible
dac                  director           eligible           eligible
dac                  coordinator        eligible           eligible
hospital             admin              eligible           eligible
hospital             member             eligible           eligible
hospital             director           eligible           eligible
hospital             care_professional  eligible           eligible
hospital             coordinator        eligible           eligible
health_practice      admin              eligible           eligible
health_practice      member             eligible           eligible
health_practice      care_professional  eligible           eligible
national             admin              funder             funder
national             member             funder             funder
national             analyst            analyst            analyst
"""
NURSE_ROWS = [tuple(line.split()) for line in NURSE_BY_KIND_AND_ROLE.strip().splitlines()]

# Every professional category: in an ESMS (care professional), at the département (member), at the ARS (member).
# category -> (ESMS care team, ESMS consent, département care team, département consent, ARS consent)
BY_CATEGORY = """
physician               eligible  eligible  not_care_provider  eligible        funder
dentist                 eligible  eligible  not_care_provider  eligible        funder
midwife                 eligible  eligible  not_care_provider  eligible        funder
pharmacist              eligible  eligible  not_care_provider  eligible        funder
nurse                   eligible  eligible  not_care_provider  eligible        funder
physiotherapist         eligible  eligible  not_care_provider  eligible        funder
podiatrist              eligible  eligible  not_care_provider  eligible        funder
occupational_therapist  eligible  eligible  not_care_provider  eligible        funder
psychomotor_therapist   eligible  eligible  not_care_provider  eligible        funder
speech_therapist        eligible  eligible  not_care_provider  eligible        funder
orthoptist              eligible  eligible  not_care_provider  eligible        funder
dietitian               eligible  eligible  not_care_provider  eligible        funder
care_assistant          eligible  eligible  not_care_provider  eligible        funder
ambulance_worker        eligible  eligible  not_care_provider  eligible        funder
social_worker           eligible  eligible  not_care_provider  eligible        funder
psychologist            eligible  eligible  not_care_provider  eligible        funder
support_worker          eligible  eligible  not_care_provider  eligible        funder
foster_carer            eligible  eligible  not_care_provider  eligible        funder
educator                eligible  eligible  not_care_provider  eligible        funder
family_host             eligible  eligible  not_care_provider  eligible        funder
guardianship_officer    eligible  eligible  not_care_provider  eligible        funder
esms_staff              eligible  eligible  not_care_provider  eligible        funder
coordination_staff      eligible  eligible  not_care_provider  eligible        funder
mdph_team               eligible  eligible  not_care_provider  eligible        funder
apa_team                eligible  eligible  not_care_provider  eligible        funder
administrative          category  eligible  administration     administration  funder
"""
CATEGORY_ROWS = [tuple(line.split()) for line in BY_CATEGORY.strip().splitlines()]


def test_the_tables_cover_every_kind_role_and_category():
    assert {(kind, role) for kind, role, *_ in NURSE_ROWS} == {
        (kind, role) for kind, roles in ROLES_BY_KIND.items() for role in roles
    }
    assert [row[0] for row in CATEGORY_ROWS] == list(ProfessionalCategory.values)


@pytest.mark.parametrize(("kind", "role", "care_team", "consent"), NURSE_ROWS)
def test_a_nurse_by_organisation_kind_and_role(kind, role, care_team, consent):
    for ground, expected in (("care_team", care_team), ("consent", consent)):
        result = professional_eligibility(ground=ground, kind=kind, role=role, category="nurse")
        assert (result.code, bool(result)) == (expected, expected == "eligible"), ground
        assert result.reason


@pytest.mark.parametrize(("category", "esms_team", "esms_consent", "dep_team", "dep_consent", "ars"), CATEGORY_ROWS)
def test_every_professional_category(category, esms_team, esms_consent, dep_team, dep_consent, ars):
    cases = (
        ("esms", "care_professional", "care_team", esms_team),
        ("esms", "care_professional", "consent", esms_consent),
        ("departement_council", "member", "care_team", dep_team),
        ("departement_council", "member", "consent", dep_consent),
        ("ars", "member", "care_team", "funder"),
        ("ars", "member", "consent", ars),
    )
    for kind, role, ground, expected in cases:
        result = professional_eligibility(ground=ground, kind=kind, role=role, category=category)
        assert result.code == expected, (kind, ground)


@pytest.mark.parametrize(
    ("kind", "role", "category", "ground", "words"),
    [
        ("ars", "analyst", "administrative", "consent", ["analyste", "aucun cercle", "L1110-4"]),
        ("national", "member", "administrative", "care_team", ["financeur ou de tutelle", "Niveau national"]),
        ("departement_council", "member", "administrative", "consent", ["personnel administratif", "Conseil"]),
        ("departement_council", "director", "apa_team", "consent", ["l'administration et la direction"]),
        ("esms", "member", "administrative", "care_team", ["R1110-2", "« Personnel administratif »", "consentement"]),
        ("mdph", "orientation_officer", "mdph_team", "care_team", ["L1110-12", "MDPH", "consentement"]),
    ],
)
def test_each_refusal_says_why_in_french(kind, role, category, ground, words):
    reason = professional_eligibility(ground=ground, kind=kind, role=role, category=category).reason
    for word in words:
        assert word in reason


@pytest.mark.parametrize(
    ("memberships", "expected"),
    [
        ([], "eligible"),
        ([("Familles", "managing_body", "member", "administrative")], "eligible"),
        ([("SSIAD Émeraude", "esms", "care_professional", "nurse")], "eligible"),
        ([("ARS Bretagne", "ars", "member", "administrative")], "staff_account"),
        ([("SSIAD", "esms", "member", "nurse"), ("CNSA", "national", "analyst", "nurse")], "staff_account"),
        ([("Conseil départemental", "departement_council", "member", "social_worker")], "staff_account"),
        ([("Association", "managing_body", "analyst", "administrative")], "staff_account"),
    ],
)
def test_a_proxy_account_is_not_a_funder_or_administration_account(memberships, expected):
    result = proxy_account_eligibility(memberships)
    assert result.code == expected
    if expected != "eligible":
        assert memberships[-1][0] in result.reason and "sans compte" in result.reason
