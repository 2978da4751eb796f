"""Import of a ROR Bundle as a second source of the directory (`manage.py import_ror PATH`).

Legal entities and sites are upserted by FINESS number. Precedence: an entry the ROR created
(source "ror") follows the ROR; an entry from FINESS (or Relais, or the demo) keeps its values,
the ROR only filling the fields that are blank. Units come from HealthcareService (+ its Location) and belong to
the ROR; a service is the unit of its site with the same national offer id, else (Relais's own export) the unit
its Relais id names, else the one keyed by external_id = the HealthcareService id. Capacity figures
come from the Location's capacity extension, through CapacityUpdate rows (source "ror") dated
with the ROR's capacityUpdateDate, and only when that date is newer than the unit's figures.
Idempotent: nothing is saved when nothing differs. See docs/decisions/0011-ror-fhir.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from relais.accounts.onboarding import organisations_link_to_directory
from relais.offer.codes import MEDICO_SOCIAL_CATEGORIES, domain_of
from relais.offer.models import Category, LegalEntity, Site, Source, Unit
from relais.offer.services import unit_capacity_update
from relais.territory.models import Commune

from . import codes as c
from . import ror_parse as p
from .ror_bundle import BundleIndex, index_bundle, label, validate_bundle
from .ror_units import authorised_capacity, capacity_values, unit_values
from .units import own_unit_pk

COUNTS = ("created", "updated", "unchanged", "skipped")
# ROROrganization makes numFINESS optional (0..1); Relais's directory is keyed by it (decision 0011), so an entry
# without one (an EJ known by its SIREN only, as in the guide's EJ example) cannot be held.
NO_FINESS = (
    "pas de numéro FINESS (identifier[finess], ou idNatSt « 1 » + FINESS) : le répertoire de Relais est tenu par "
    "numéro FINESS"
)
ROR_AUTHOR = "ROR (import)"
MAX_PARENT_HOPS = 5


@dataclass
class ImportReport:
    legal_entities: Counter = field(default_factory=Counter)
    sites: Counter = field(default_factory=Counter)
    units: Counter = field(default_factory=Counter)
    capacities: Counter = field(default_factory=Counter)
    ignored: int = 0
    organisations_linked: int = 0
    messages: list[str] = field(default_factory=list)

    def skip(self, counter: Counter, resource: dict[str, Any], reason: str) -> None:
        counter["skipped"] += 1
        self.messages.append(f"{label(resource)} : {reason}")

    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            name: {key: getattr(self, name)[key] for key in COUNTS} for name in ("legal_entities", "sites", "units")
        }
        result["capacities"] = {key: self.capacities[key] for key in ("updated", "unchanged", "skipped")}
        result["ignored"] = self.ignored
        result["organisations_linked"] = self.organisations_linked
        return result


def ror_bundle_import(data: Any, *, dry_run: bool = False) -> ImportReport:
    """Validate then import; RorBundleError (nothing written) when the bundle is refused."""
    validate_bundle(data)
    report = ImportReport()
    with transaction.atomic():
        _Importer(index_bundle(data), report).run()
        if report.legal_entities["created"] or report.sites["created"]:
            # An organisation waiting for its entry becomes its identity, as after a FINESS import (decision 0029).
            report.organisations_linked = organisations_link_to_directory()
        if dry_run:
            transaction.set_rollback(True)
    return report


def _apply(obj, values: dict[str, Any], *, ror_owned: bool) -> list[str]:
    """Set the values that differ; on entries the ROR does not own, only fill blank fields."""
    changed = []
    for name, value in values.items():
        current = getattr(obj, name)
        if current == value or value in ("", None):
            continue
        if not ror_owned and current not in ("", None):
            continue
        setattr(obj, name, value)
        changed.append(name)
    return changed


class _Importer:
    def __init__(self, index: BundleIndex, report: ImportReport):
        self.index, self.report = index, report
        self.kinds = {id(org): p.kind_of(org) for org in index.organizations}
        self.communes: dict[str, bool] = {}
        self.entities: dict[str, LegalEntity] = {}
        self.sites: dict[str, Site] = {}

    def run(self) -> None:
        for org in self.index.organizations:
            if self.kinds[id(org)] == p.EJ:
                self._legal_entity(org)
        for org in self.index.organizations:
            if self.kinds[id(org)] == p.EG:
                self._site(org)
        used = set()
        for service in self.index.services:
            location = self._location_of(service)
            if location is not None:
                used.add(id(location))
            self._unit(service, location)
        unused = [loc for loc in self.index.locations if id(loc) not in used]
        internal = [org for org in self.index.organizations if self.kinds[id(org)] == p.OI]
        relais = [org for org in self.index.organizations if self.kinds[id(org)] == p.RELAIS]
        self.report.ignored = len(self.index.ignored) + len(unused) + len(internal) + len(relais)
        self.report.messages += [f"{label(loc)} : aucun HealthcareService ne s'y réalise" for loc in unused]
        self.report.messages += [f"{label(org)} : organisation interne (OI), hors du répertoire" for org in internal]
        self.report.messages += [f"{label(org)} : organisation Relais hors du répertoire" for org in relais]
        self.report.messages += [f"{reference} : type de ressource non importé" for reference in self.index.ignored]

    # --- Organizations -------------------------------------------------------------------------

    def _values(self, org: dict[str, Any], kind: str) -> dict[str, Any]:
        values = p.organization_values(org, kind)
        code = values.get("commune_id")
        if code is not None:
            if code not in self.communes:
                self.communes[code] = Commune.objects.filter(pk=code).exists()
            if not self.communes[code]:
                del values["commune_id"]  # not in the reference geography: keep city and postcode only
        if "latitude" in values:
            values["coordinates_source"] = "ROR"
        return values

    def _save(self, counter: Counter, model, finess: str, org: dict[str, Any], values: dict[str, Any], fixed=None):
        entry = model.objects.filter(finess=finess).first()
        updated_on = p.fhir_date((org.get("meta") or {}).get("lastUpdated"))
        if entry is None:
            if not values.get("name"):
                self.report.skip(counter, org, "pas de nom")
                return None
            entry = model(finess=finess, source=Source.ROR, source_updated_on=updated_on, **(fixed or {}), **values)
            entry.save()
            counter["created"] += 1
            return entry
        ror_owned = entry.source == Source.ROR
        if not ror_owned and getattr(entry, "latitude", None) is not None:  # coordinates go together
            values = {k: v for k, v in values.items() if k not in ("latitude", "longitude", "coordinates_source")}
        if ror_owned:
            values = {**values, **(fixed or {}), "source_updated_on": updated_on}
        changed = _apply(entry, values, ror_owned=ror_owned)
        if changed:
            entry.save(update_fields=[*changed, "updated_at"])
        counter["updated" if changed else "unchanged"] += 1
        return entry

    def _legal_entity(self, org: dict[str, Any]) -> None:
        finess = p.finess_of(org)
        if finess is None:
            self.report.skip(self.report.legal_entities, org, NO_FINESS)
            return
        entity = self._save(self.report.legal_entities, LegalEntity, finess, org, self._values(org, p.EJ))
        if entity is not None:
            self.entities[finess] = entity

    def _parent_entity(self, org: dict[str, Any]) -> LegalEntity | None:
        reference = org.get("partOf")
        parent = self.index.resolve(reference, "Organization")
        finess = p.finess_of(parent) if parent else (reference or {}).get("reference", "").rsplit("/", 1)[-1]
        if not finess:
            return None
        return self.entities.get(finess) or LegalEntity.objects.filter(finess=finess).first()

    def _site(self, org: dict[str, Any]) -> None:
        finess = p.finess_of(org)
        if finess is None:
            self.report.skip(self.report.sites, org, NO_FINESS)
            return
        entity = self._parent_entity(org)
        if entity is None and not Site.objects.filter(finess=finess).exists():
            self.report.skip(self.report.sites, org, "entité juridique (partOf) introuvable")
            return
        values = self._values(org, p.EG)
        if "latitude" not in values and (place := self._position_of(org)):
            values.update(latitude=place[0], longitude=place[1], coordinates_source="ROR (lieu)")
        if code := values.get("category_id"):
            self._ensure_category(code, p.category_display(org, code))
        fixed = {"legal_entity": entity} if entity is not None else None
        site = self._save(self.report.sites, Site, finess, org, values, fixed)
        if site is not None:
            self.sites[finess] = site

    @staticmethod
    def _ensure_category(code: str, display: str) -> None:
        medico_social = code in MEDICO_SOCIAL_CATEGORIES
        defaults = {"label": display, "domain": domain_of(code), "is_medico_social": medico_social}
        Category.objects.get_or_create(code=code, defaults=defaults)

    def _position_of(self, org: dict[str, Any]) -> tuple[float, float] | None:
        for service in self.index.services:
            provider = self.index.resolve(service.get("providedBy"), "Organization")
            if provider is org and (place := p.position(self._location_of(service))):
                return place
        return None

    # --- Units and capacity ----------------------------------------------------------------------

    def _location_of(self, service: dict[str, Any]) -> dict[str, Any] | None:
        references = service.get("location") or []
        return self.index.resolve(references[0], "Location") if references else None

    def _site_of(self, service: dict[str, Any]) -> Site | None:
        reference = service.get("providedBy")
        org = self.index.resolve(reference, "Organization")
        for _ in range(MAX_PARENT_HOPS):  # a service of an internal organisation belongs to its site
            if org is None or self.kinds.get(id(org)) != p.OI:
                break
            reference = org.get("partOf")
            org = self.index.resolve(reference, "Organization")
        finess = p.finess_of(org) if org else (reference or {}).get("reference", "").rsplit("/", 1)[-1]
        if not finess:
            return None
        return self.sites.get(finess) or Site.objects.filter(finess=finess).first()

    def _unit(self, service: dict[str, Any], location: dict[str, Any] | None) -> None:
        units = self.report.units
        if not service.get("id"):
            self.report.skip(units, service, "HealthcareService sans id")
            return
        site = self._site_of(service)
        if site is None:
            self.report.skip(units, service, "établissement (providedBy) introuvable")
            return
        values, problem = unit_values(service, location)
        if problem:
            self.report.skip(units, service, problem)
            return
        if not site.is_open and not values["is_open"]:
            # A closed site's services are all sent inactive: that says nothing of the unit itself (its own flag is
            # what Relais serves once the site reopens), so a new unit is created open and an existing one keeps it.
            del values["is_open"]
        unit = self._existing_unit(site, service, location, values)
        if unit is None:
            # The authorised capacity (Relais's own extension, a FINESS figure) is taken only by a new unit: on an
            # existing one it stays what FINESS or Relais says (decision 0011).
            authorised = authorised_capacity(location)
            if authorised is not None:
                values["authorised"] = authorised
            unit = Unit.objects.create(site=site, external_id=service["id"], **values)
            units["created"] += 1
        else:
            changed = [name for name, value in values.items() if getattr(unit, name) != value]
            for name in changed:
                setattr(unit, name, values[name])
            if changed:
                unit.save(update_fields=[*changed, "updated_at"])
            units["updated" if changed else "unchanged"] += 1
        self._capacity(unit, location)

    def _existing_unit(self, site: Site, service: dict[str, Any], location, values: dict[str, Any]) -> Unit | None:
        """The unit of ``site`` the service is: by the ROR's national offer id when it has one; else, in Relais's own
        export (meta.source is this Relais), by Relais's unit id; else by the HealthcareService id it was first
        imported under. So importing Relais's own export again changes nothing (decision 0049)."""
        units = Unit.objects.filter(site=site)
        if values.get("ror_identifier"):
            system = values["ror_identifier_system"]
            found = units.filter(ror_identifier=values["ror_identifier"])
            found = found.filter(ror_identifier_system__in=[system, ""]) if system else found
            if unit := found.order_by("pk").first():
                return unit
        for resource in (service, location):
            if (pk := own_unit_pk(resource)) is not None and (unit := units.filter(pk=pk).first()):
                return unit
        return units.filter(external_id=service["id"]).first()

    def _capacity(self, unit: Unit, location: dict[str, Any] | None) -> None:
        figures, at = capacity_values(location)
        counter = self.report.capacities
        if not figures:
            return
        if at is None:
            self.report.skip(counter, location, "capacité sans date de mise à jour")
            return
        if unit.capacity_updated_at is not None and at <= unit.capacity_updated_at:
            counter["unchanged"] += 1  # Relais holds figures as recent or more recent
            return
        try:
            # The same service as the capacity screens: same invariants, same history, the ROR's date.
            unit_capacity_update(
                actor=None,
                unit=unit,
                source=Source.ROR,
                at=at,
                by_label=ROR_AUTHOR,
                **{name: figures[name] for name in c.CAPACITY_FIELDS if name in figures},
            )
        except ValidationError as error:
            self.report.skip(counter, location, "capacité incohérente : " + " ".join(error.messages))
            return
        counter["updated"] += 1
