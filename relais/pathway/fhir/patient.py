"""Patient: the identity of a person of a care circle (FR Core Patient, or FR Core Patient INS with an INS), category
"identity".

On output (decision 0051): a person with an INS and a birth place follows fr-core-patient-ins (its official name has
one ``given``, the first first name, as the INS rules say), any other follows fr-core-patient (each first name its own
``given``); both carry the whole list in the birth-list given-name extension and Relais's own identifier (the PI slice).
FR Core's invariant fr-core-1 ties the status VALI to an INS: a validated identity without an INS is sent as PROV, and
Relais's status travels in ``urn:relais:fhir:extension:identity-status`` so that another Relais reads it back.

On input (create, or a transaction Bundle) an ANS / FR Core Patient is accepted: INS with the official systems, identity
status from the fr-core-identity-reliability extension, birth place. An INS received from another system was not
obtained by this deployment through the national service (INSi): it is stored without that flag, so the statuses that
need it (RECUP, QUAL) are lowered to PROV and VALI; a matricule whose key is wrong is not stored
(noted in the access log).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from relais.audit.services import access_log_record
from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.persons import vigilance
from relais.persons.ins import IdentityStatus, ins_error
from relais.persons.models import Person

from .. import matrix as m
from . import common as c

INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
INS_NIA_SYSTEM = "urn:oid:1.2.250.1.213.1.4.9"
INS_SYSTEMS = {INS_NIR_SYSTEM, INS_NIA_SYSTEM, "urn:oid:1.2.250.1.213.1.4.10"}
IDENTIFIER_TYPE_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
V2_0203_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
PERSON_SYSTEM = "urn:relais:person"  # Relais's own identifier of a person (FR Core slice PI)
BIRTH_LIST_EXTENSION = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name"
LOCAL_STATUS_EXTENSION = "urn:relais:fhir:extension:identity-status"
RELIABILITY_EXTENSION = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
STATUS_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445"
BIRTH_PLACE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
INSEE_EXTENSION = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
COMMUNE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R13-Commune/FHIR/TRE-R13-Commune"
PROFILE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient"
INS_PROFILE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins"
_GENDER = {"F": "female", "M": "male", "I": "unknown"}
_SEX = {"female": "F", "male": "M", "other": "I", "unknown": "I"}
_RECEIVED_STATUS = {"RECUP": IdentityStatus.PROVISIONAL, "QUAL": IdentityStatus.VALIDATED}

SEARCH_PARAMS = [
    SearchParam("_id", "token", "Identifiant de la personne dans Relais."),
    SearchParam("identifier", "token", "Matricule INS (système|valeur ou valeur seule)."),
    SearchParam("family", "string", "Début du nom de naissance ou d'usage."),
    SearchParam("birthdate", "date", "Date de naissance (AAAA-MM-JJ)."),
]


def _identifiers(person: Person) -> list[dict[str, Any]]:
    identifiers = []
    if person.ins:  # NIA (temporary number from INSi) starts with 7 or 8; FR Core gives it the use "temp"
        nia = person.ins[0] in "78"
        identifiers.append(
            {
                "use": "temp" if nia else "official",
                "type": {"coding": [c.coding(IDENTIFIER_TYPE_SYSTEM, "INS-NIA" if nia else "INS-NIR")]},
                "system": INS_NIA_SYSTEM if nia else INS_NIR_SYSTEM,
                "value": person.ins,
            }
        )
    identifiers.append(
        {
            "use": "usual",
            "type": {"coding": [c.coding(V2_0203_SYSTEM, "PI", "Patient internal identifier")]},
            "system": PERSON_SYSTEM,
            "value": str(person.pk),
        }
    )
    return identifiers


def _names(person: Person, ins_profile: bool) -> list[dict[str, Any]]:
    given = person.first_names.split()
    official = {
        "extension": [{"url": BIRTH_LIST_EXTENSION, "valueString": " ".join(given)}],
        "use": "official",
        "family": person.family_name,
        "given": given[:1] if ins_profile else given,  # fr-core-patient-ins: given 1..1, the first first name
    }
    names = [official]
    if person.used_name or person.used_first_name:
        usual: dict[str, Any] = {"use": "usual", "family": person.used_name or person.family_name}
        if person.used_first_name:
            usual["given"] = [person.used_first_name]
        names.append(usual)
    return names


def patient_resource(person: Person) -> dict[str, Any]:
    ins_profile = bool(person.ins and person.birth_place_code)  # the INS profile needs both
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": {"profile": [INS_PROFILE if ins_profile else PROFILE]},
    }
    sent_status = person.identity_status
    if sent_status == IdentityStatus.VALIDATED and not person.ins:
        sent_status = IdentityStatus.PROVISIONAL  # fr-core-1: VALI needs an INS
    status = [{"url": "identityStatus", "valueCoding": c.coding(STATUS_SYSTEM, sent_status)}]
    extensions: list[dict[str, Any]] = [{"url": RELIABILITY_EXTENSION, "extension": status}]
    if sent_status != person.identity_status:
        extensions.append({"url": LOCAL_STATUS_EXTENSION, "valueCode": person.identity_status})
    if person.birth_place_code:
        place: dict[str, Any] = {
            "extension": [{"url": INSEE_EXTENSION, "valueCoding": c.coding(COMMUNE_SYSTEM, person.birth_place_code)}]
        }
        if person.birth_place_label:
            place["city"] = person.birth_place_label
        extensions.append({"url": BIRTH_PLACE_EXTENSION, "valueAddress": place})
    resource["extension"] = extensions
    resource["identifier"] = _identifiers(person)
    resource["name"] = _names(person, ins_profile)
    telecom = [{"system": s, "value": v} for s, v in (("phone", person.phone), ("email", person.email)) if v]
    if telecom:
        resource["telecom"] = telecom
    resource["gender"] = _GENDER.get(person.sex, "unknown")
    resource["birthDate"] = person.birth_date.isoformat()
    address = {k: v for k, v in (("city", person.city), ("postalCode", person.postal_code)) if v}
    if person.address:
        address["line"] = [person.address]
    if address:
        resource["address"] = [address]
    return resource


def read_patient(actor, resource_id: str) -> dict[str, Any] | None:
    person = Person.objects.filter(pk=c.number(resource_id) or 0, merged_into__isnull=True).first()
    if person is None or not c.allowed_read(actor, person, m.IDENTITY, person, "FHIR Patient read"):
        return None
    return patient_resource(person)


def search_patients(actor, params, offset: int, count: int):
    persons = c.visible_persons(actor, m.IDENTITY)
    for value in params.get("_id", []):
        ids = {c.number(v.strip()) for v in value.split(",")}
        persons = [p for p in persons if p.pk in ids]
    for value in params.get("identifier", []):
        wanted = {v.strip().rpartition("|")[2] for v in value.split(",")}
        persons = [p for p in persons if p.ins in wanted]
    for value in params.get("family", []):
        prefix = value.strip().lower()
        persons = [p for p in persons if any(n.lower().startswith(prefix) for n in (p.family_name, p.used_name) if n)]
    for value in params.get("birthdate", []):
        day = value.strip().removeprefix("eq")
        persons = [p for p in persons if p.birth_date.isoformat() == day]
    shown = c.page(persons, offset, count)
    for person in shown:
        c.trace(actor, c.ask(actor, person, m.IDENTITY), person, person.pk, "FHIR Patient search")
    return [patient_resource(p) for p in shown], len(persons)


def person_fields(resource: dict[str, Any], path: str = "Patient") -> tuple[dict[str, Any], str]:
    """Person fields from a Patient, and a note for the access log about what was not kept."""
    names = resource.get("name") or []
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if not official or not official.get("family") or not official.get("given"):
        raise FhirError(
            422, "required", f"{path}.name : nom de naissance et prénoms requis.", expression=f"{path}.name"
        )
    if not resource.get("birthDate"):
        raise FhirError(
            422, "required", f"{path}.birthDate : date de naissance requise.", expression=f"{path}.birthDate"
        )
    birth_list = next(
        (
            e.get("valueString")
            for e in official.get("extension") or []
            if e.get("url") == BIRTH_LIST_EXTENSION and isinstance(e.get("valueString"), str)
        ),
        "",
    )
    fields: dict[str, Any] = {
        "family_name": official["family"],
        # The birth list holds every first name; under the INS profile ``given`` holds only the first one.
        "first_names": " ".join(birth_list.split()) or " ".join(official["given"]),
        "birth_date": resource["birthDate"],
        "sex": _SEX.get(resource.get("gender", "unknown"), "I"),
    }
    usual = next((n for n in names if n.get("use") == "usual"), None)
    if usual and usual.get("family") and usual["family"] != official["family"]:
        fields["used_name"] = usual["family"]
    if usual and usual.get("given"):
        fields["used_first_name"] = " ".join(usual["given"])[:100]
    note = ""
    for index, identifier in enumerate(resource.get("identifier") or []):
        if identifier.get("system") in INS_SYSTEMS and identifier.get("value"):
            if ins_error(identifier["value"]):
                note = f"INS reçu non conservé ({path}.identifier[{index}].value : {ins_error(identifier['value'])})"
            else:
                fields["ins"] = identifier["value"]
    status = local_status = IdentityStatus.PROVISIONAL
    for extension in resource.get("extension") or []:
        if extension.get("url") == RELIABILITY_EXTENSION:
            for sub in extension.get("extension") or []:
                code = (sub.get("valueCoding") or {}).get("code")
                if sub.get("url") == "identityStatus" and code in IdentityStatus.values:
                    status = _RECEIVED_STATUS.get(code, code)
        if extension.get("url") == LOCAL_STATUS_EXTENSION and extension.get("valueCode") == IdentityStatus.VALIDATED:
            local_status = IdentityStatus.VALIDATED  # sent as PROV by a Relais (fr-core-1), see above
        if extension.get("url") == BIRTH_PLACE_EXTENSION:
            place = extension.get("valueAddress") or {}
            for sub in place.get("extension") or []:
                if sub.get("url") == INSEE_EXTENSION and (sub.get("valueCoding") or {}).get("code"):
                    fields["birth_place_code"] = sub["valueCoding"]["code"]
            if place.get("city"):
                fields["birth_place_label"] = place["city"][:120]
    for contact in resource.get("telecom") or []:
        kind, value = contact.get("system"), (contact.get("value") or "").strip()
        if kind in ("phone", "email") and value and not fields.get(kind):
            fields[kind] = value[:30] if kind == "phone" else value[:254]
    fields["identity_status"] = IdentityStatus.VALIDATED if local_status == IdentityStatus.VALIDATED else status
    address = (resource.get("address") or [None])[0]
    if address:
        fields["address"] = " ".join(address.get("line") or [])[:250]
        fields["city"] = (address.get("city") or "")[:120]
        postal = address.get("postalCode") or ""
        fields["postal_code"] = postal if len(postal) == 5 else ""
    return fields, note


def _visible(actor, matches) -> set[int]:
    """Candidates whose identity the care-circle policy lets this caller read."""
    from relais.pathway.policy import decide

    return {
        match.other.pk
        for match in matches
        if decide(user=actor.user, organisation=actor.organisation, person=match.other, category=m.IDENTITY).allowed
    }


def create_patient(actor, resource: dict[str, Any]) -> dict[str, Any]:
    """A new person. Only identified professionals create one; reading it back needs a circle (CareTeam)."""
    if actor is None or actor.user is None or not actor.reads_personal_data:
        raise FhirError(403, "forbidden", "Seul·e un·e professionnel·le identifié·e crée une personne.")
    fields, note = person_fields(resource)
    try:
        person = vigilance.person_create_checked(
            actor=actor, ground="fhir_patient_create", confirmed_new=vigilance.fhir_confirmed(resource), **fields
        )
    except vigilance.IdentityCandidates as found:
        raise vigilance.fhir_conflict(found, path="Patient", visible_pks=_visible(actor, found.matches)) from None
    except ValidationError as exc:
        details = "; ".join(f"Patient.{field} : {', '.join(msgs)}" for field, msgs in exc.message_dict.items())
        raise FhirError(422, "business-rule", details, expression="Patient") from None
    if note:
        access_log_record(
            actor=actor, action="create", obj=person, subject=f"persons.person:{person.pk}", ground="fhir", detail=note
        )
    return patient_resource(person)
