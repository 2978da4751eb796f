"""Loading the SI-SDO terminology into the database.

``terminology_load`` upserts what ``sources.read_terminology`` read and validated, in one transaction
(idempotent: a second run changes nothing), then clears the readers' caches (``selectors.clear_caches``).
"""

from pathlib import Path

from django.db import transaction

from relais.orientation.terminology.models import CodeSystem, Concept, StatusReasonRule, SystemAlias, ValueSet
from relais.orientation.terminology.selectors import clear_caches
from relais.orientation.terminology.sources import Terminology, read_terminology, system_aliases


def _counts() -> dict[str, int]:
    return {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}


@transaction.atomic
def terminology_load(directory: str | Path | None = None) -> dict:
    """Read, validate and upsert the SDO terminology; all or nothing. Returns the summary (counts per table)."""
    data = read_terminology(directory)
    report = {
        "directory": str(Path(data.code_systems[0].path).parent),
        "code_systems": _counts(),
        "aliases": _counts(),
        "concepts": _counts(),
        "value_set_members": _counts(),
        "value_sets": _counts(),
        "rules": _counts(),
    }
    systems = _upsert_code_systems(data, report)
    concepts = _upsert_concepts(data, systems, report["concepts"])
    _upsert_value_sets(data, concepts, report)
    _upsert_rules(data, concepts, report["rules"])
    transaction.on_commit(clear_caches)
    clear_caches()
    return report


def _set_fields(obj, fields: dict, counts: dict) -> None:
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, fields[name])
    if changed:
        obj.save(update_fields=changed)
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


def _upsert_code_systems(data: Terminology, report: dict) -> dict[str, CodeSystem]:
    systems = {}
    for cs in data.code_systems:
        fields = {"name": cs.name, "version": cs.version, "oid": cs.oid}
        obj = CodeSystem.objects.filter(url=cs.url).first()
        if obj is None:
            obj = CodeSystem.objects.create(url=cs.url, **fields)
            report["code_systems"]["created"] += 1
        else:
            _set_fields(obj, fields, report["code_systems"])
        systems[cs.url] = obj
        value_set_urls = [vs.url for vs in data.value_sets if vs.system == cs.url]
        wanted = system_aliases(cs.url, value_set_urls)
        existing = {a.url: a for a in SystemAlias.objects.filter(url__in=wanted)}
        for url in sorted(wanted):
            alias = existing.get(url)
            if alias is None:
                SystemAlias.objects.create(url=url, code_system=obj)
                report["aliases"]["created"] += 1
            else:
                _set_fields(alias, {"code_system_id": obj.pk}, report["aliases"])
        stale = SystemAlias.objects.filter(code_system=obj).exclude(url__in=wanted)
        report["aliases"]["deleted"] += stale.delete()[0]
    return systems


def _upsert_concepts(data: Terminology, systems: dict[str, CodeSystem], counts: dict) -> dict[tuple, Concept]:
    """Concepts are never deleted (requests will refer to them); a code that left the file keeps its row."""
    concepts = {}
    for cs in data.code_systems:
        system = systems[cs.url]
        existing = {c.code: c for c in Concept.objects.filter(code_system=system)}
        for code, display in cs.concepts.items():
            concept = existing.get(code)
            if concept is None:
                concept = Concept.objects.create(code_system=system, code=code, display=display)
                counts["created"] += 1
            else:
                _set_fields(concept, {"display": display}, counts)
            concepts[(cs.url, code)] = concept
    return concepts


def _upsert_value_sets(data: Terminology, concepts: dict[tuple, Concept], report: dict) -> None:
    counts, members = report["value_sets"], report["value_set_members"]
    for vs in data.value_sets:
        fields = {"name": vs.name, "version": vs.version, "kind": vs.kind, "level": vs.level}
        obj = ValueSet.objects.filter(url=vs.url).first()
        if obj is None:
            ValueSet.objects.filter(kind=vs.kind, level=vs.level).delete()  # replaced by a value set of a new URL
            obj = ValueSet.objects.create(url=vs.url, **fields)
            counts["created"] += 1
        else:
            _set_fields(obj, fields, counts)
        wanted = {concepts[(vs.system, code)].pk for code in vs.codes}
        current = set(obj.concepts.values_list("pk", flat=True))
        obj.concepts.add(*(wanted - current))
        obj.concepts.remove(*(current - wanted))
        members["created"] += len(wanted - current)
        members["deleted"] += len(current - wanted)
        members["unchanged"] += len(wanted & current)


def _upsert_rules(data: Terminology, concepts: dict[tuple, Concept], counts: dict) -> None:
    statuses, reasons = data.code_systems[0].url, data.code_systems[1].url
    wanted = {
        (concepts[(statuses, status)].pk, concepts[(reasons, reason)].pk)
        for status, reason_codes in data.rules.items()
        for reason in reason_codes
    }
    current = {(r.status_id, r.reason_id): r for r in StatusReasonRule.objects.all()}
    StatusReasonRule.objects.bulk_create(StatusReasonRule(status_id=s, reason_id=r) for s, r in wanted - set(current))
    stale = [current[key].pk for key in set(current) - wanted]
    StatusReasonRule.objects.filter(pk__in=stale).delete()
    counts["created"] += len(wanted - set(current))
    counts["deleted"] += len(stale)
    counts["unchanged"] += len(wanted & set(current))
