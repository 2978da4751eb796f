"""Demo orientation data: decisions, admission files and admission requests walked along the SI-SDO workflow.

For the demo persons of each département: MDPH decisions for disabled children and adults (categories taken
from the demo offer of the département), applications without a decision for older people, one admission file
each (urgency, commune, GIR for older people) and requests to one to five ESMS, ranked, mostly near home.
Every status change is checked by ``workflow.transition`` with the ASS_A32 rules and written as the services
would write it (request, unit statuses, the ``StatusTransition`` log), in bulk for speed: dates spread over the
last two years so that times waited and decision-to-admission delays look real. Some persons are admitted
(their other requests closed 46/119 by the follow-up), some wait without solution, some decisions expire
(open requests closed 49/174 as ``orientation_decision_expire`` does, unit statuses 180/98). Set-up work: no
access-log entries, as for the persons.

Deterministic (one random stream per seed and département; dates relative to ``today``) and idempotent: a
département whose demo persons already have admission files is skipped.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from relais.accounts.actor import Actor
from relais.accounts.models import Membership, Organisation
from relais.accounts.roles import OrganisationKind as Kind
from relais.offer.codes import Domain
from relais.offer.models import Site, Unit
from relais.orientation.admission.models import AdmissionFile, LivingSituation
from relais.orientation.decisions.models import DecisionKind, DecisionStatus, OrientationDecision
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import AdmissionRequest, Source, StatusTransition, UnitRequestStatus
from relais.orientation.terminology.selectors import sdo_rules
from relais.orientation.terminology.services import terminology_load
from relais.persons.models import Person

from .logins import DEMO_LOGINS
from .offer import _communes
from .orientation_walk import SYSTEM_LABEL, RequestPlan, RequestWalker, at_time

BATCH = 5_000
SHARE = {Domain.OLDER_PEOPLE: 0.45, Domain.DISABLED_CHILDREN: 0.35, Domain.DISABLED_ADULTS: 0.35}
NOT_EXECUTED_SHARE = 0.08  # decisions for which no request was ever sent
ESMS_LABEL = "client API « Logiciel de l'établissement (démo) »"  # how the services label an ESMS record system
URGENCY_REASONS = ("Aidant·e épuisé·e", "Sortie d'hospitalisation sans solution", "Maintien à domicile impossible")


@dataclass
class CasePlan:
    person_id: int
    person_ref: str
    decision: dict
    file: dict
    requests: list[RequestPlan] = field(default_factory=list)


class _Departement:
    def __init__(self, seed: int, code: str, today: date, rules):
        self.code, self.today, self.rules = code, today, rules
        self.checked: dict[tuple, wf.TransitionResult] = {}
        self.rng = random.Random(f"{seed}:orientation:{code}")
        self.seed = seed
        self.communes = {(c.postal_code, c.name): c for c in _communes([code]).get(code, [])}
        self.by_name = {c.name: c for c in self.communes.values()}
        self._load_offer()
        self._load_senders()

    def _load_offer(self) -> None:
        self.sites: dict[str, dict[str, list[tuple]]] = {d: {} for d in SHARE}
        units: dict[int, list[tuple]] = {}
        for unit_id, site_id, age_min, age_max in (
            Unit.objects.filter(site__commune__departement_id=self.code, is_open=True, site__is_open=True)
            .order_by("site_id", "pk")
            .values_list("pk", "site_id", "age_min", "age_max")
        ):
            units.setdefault(site_id, []).append((unit_id, age_min, age_max))
        rows = (
            Site.objects.filter(commune__departement_id=self.code, is_open=True, category__domain__in=list(SHARE))
            .exclude(latitude=None)
            .order_by("finess")
            .values_list(
                "pk",
                "category_id",
                "category__domain",
                "latitude",
                "longitude",
                "organisation_id",
                "legal_entity__organisation_id",
            )
        )
        self.site_org: dict[int, int | None] = {}
        for pk, category, domain, lat, lon, org, body in rows:
            if pk in units:
                self.sites[domain].setdefault(category, []).append((pk, lat, lon))
                self.site_org[pk] = org or body  # who acts as "the ESMS" for the services
        self.units = units
        demo_orgs = set(
            Membership.objects.filter(
                user__email__in=[login.email for login in DEMO_LOGINS], organisation__kind=Kind.ESMS
            ).values_list("organisation_id", flat=True)
        )
        self.magnets = {pk for pk, org in self.site_org.items() if org in demo_orgs}

    def _load_senders(self) -> None:
        self.senders = {}
        for kind in (Kind.MDPH, Kind.DAC, Kind.DEPARTEMENT_COUNCIL):
            org = Organisation.objects.filter(kind=kind, departement_id=self.code).order_by("pk").first()
            if org is None:
                continue
            member = (
                Membership.objects.filter(organisation=org)
                .exclude(role__in=["analyst", "member"])
                .select_related("user")
                .order_by("user__email")
                .first()
            )
            user = member.user if member else None
            label = Actor(organisation=org, role=member.role, user=user).public_label if user else SYSTEM_LABEL
            self.senders[kind] = (org.pk, user.pk if user else None, label)

    def check(self, current, target, kind, reason):
        """``workflow.transition``, memoised: the demo walks the same few edges thousands of times."""
        key = (current, target, kind, reason)
        if key not in self.checked:
            self.checked[key] = wf.transition(current, target, actor_kind=kind, reason=reason, rules=self.rules)
        return self.checked[key]

    # -- one person --------------------------------------------------------------------------------------------

    def case(self, person_id: int, ref: str, birth: date, postal_code: str, city: str) -> CasePlan | None:
        rng, today = self.rng, self.today
        age = (today - birth).days // 365
        domain = Domain.OLDER_PEOPLE if age >= 60 else Domain.DISABLED_CHILDREN if age < 18 else Domain.DISABLED_ADULTS
        if rng.random() >= SHARE[domain] or not self.sites[domain]:
            return None
        commune = self.communes.get((postal_code, city)) or self.by_name.get(city)
        if commune is None or commune.latitude is None:
            return None
        categories = self.sites[domain]
        codes = sorted(categories)
        weights = [len(categories[c]) for c in codes]
        chosen = [rng.choices(codes, weights)[0]]
        if domain != Domain.OLDER_PEOPLE and rng.random() < 0.2:
            other = rng.choices(codes, weights)[0]
            chosen += [other] if other != chosen[0] else []
        start = today - timedelta(days=rng.randint(0, 730))
        older = domain == Domain.OLDER_PEOPLE
        sender_kind = Kind.MDPH if not older else rng.choices((Kind.DAC, Kind.DEPARTEMENT_COUNCIL), (3, 1))[0]
        sender = self.senders.get(sender_kind)
        if sender is None:
            return None
        if older:
            decision = {"kind": DecisionKind.WITHOUT_DECISION, "validity_end": None}
        else:
            years = rng.choices((1, 3, 5), (15, 25, 60))[0]
            decision = {
                "kind": DecisionKind.MDPH,
                "mdph_decision_id": f"DEMO-{self.code}-{start:%Y}-{person_id:07d}",
                "validity_end": start + timedelta(days=365 * years),
            }
        end = decision["validity_end"]
        decision.update(
            decision_date=start,
            validity_start=start,
            categories=chosen,
            organisation_id=sender[0],
            status=DecisionStatus.EXPIRED if end is not None and end < today else DecisionStatus.VALID,
            created_at=at_time(start, rng),
        )
        urgency = rng.choices((0, 1, 2, 3), (50, 30, 15, 5))[0]
        situations = [s for s in LivingSituation.values if s != LivingSituation.OTHER]
        file = {
            "urgency": urgency,
            "urgency_reason": rng.choice(URGENCY_REASONS) if urgency >= 2 else "",
            "living_situation": rng.choice(situations),
            "commune_id": commune.code,
            "author_organisation_id": sender[0],
            "gir": rng.choices(range(1, 7), (5, 20, 25, 25, 15, 10))[0] if older else None,
            "created_at": at_time(start, rng),
        }
        plan = CasePlan(person_id, ref, decision, file)
        if rng.random() >= NOT_EXECUTED_SHARE:
            sites = self._wishes([s for c in chosen for s in categories[c]], commune)
            self._requests(plan, sites, sender, start, age, older)
        return plan

    def _wishes(self, candidates: list[tuple], commune) -> list[int]:
        """One to five sites, mostly among the nearest; a demo login's site is often among them."""
        rng = self.rng
        k = min(len(candidates), rng.choices((1, 2, 3, 4, 5), (30, 25, 20, 15, 10))[0])
        lat0, lon0, cos = commune.latitude, commune.longitude, math.cos(math.radians(commune.latitude))
        near = heapq.nsmallest(3 * k, candidates, key=lambda s: ((s[1] - lat0) ** 2 + ((s[2] - lon0) * cos) ** 2, s[0]))
        near_ids, all_ids = [s[0] for s in near], [s[0] for s in candidates]
        wishes: list[int] = []
        while len(wishes) < k:
            pick = rng.choice(near_ids if rng.random() < 0.85 else all_ids)
            if pick not in wishes:
                wishes.append(pick)
        magnets = [s for s in all_ids if s in self.magnets and s not in wishes]
        if magnets and rng.random() < 0.2:
            wishes[rng.randrange(len(wishes))] = magnets[0]
        return wishes

    def _unit(self, site_id: int, age: int) -> int:
        units = self.units[site_id]
        fitting = [u for u, lo, hi in units if (lo is None or lo <= age) and (hi is None or age <= hi)]
        return (fitting or [units[0][0]])[0]

    def _requests(self, plan: CasePlan, sites: list[int], sender, start: date, age: int, older: bool) -> None:
        rng, today = self.rng, self.today
        sent = min(today, start + timedelta(days=rng.randint(0, 10) if older else rng.randint(3, 45)))
        direct = older and rng.random() < 0.25  # received by the ESMS itself, without an orientation
        wait = int(rng.lognormvariate(math.log(120 if older else 240), 0.8))
        admitted_on = sent + timedelta(days=wait)
        end = plan.decision["validity_end"]
        admitted = admitted_on <= today and (end is None or admitted_on <= end) and rng.random() < 0.8
        cutoff = admitted_on if admitted else min(today, end + timedelta(days=1)) if end else today
        winner = rng.choices(range(len(sites)), [1 / (i + 1) for i in range(len(sites))])[0] if admitted else -1
        for rank, site_id in enumerate(sites, start=1):
            esms = (ESMS_LABEL, None, self.site_org[site_id], Source.API)
            who = (self.site_org[site_id], None, ESMS_LABEL) if direct else (sender[0], sender[1], sender[2])
            request = RequestPlan(site_id, self._unit(site_id, age), rank, who)
            walk = RequestWalker(self, request, esms, (sender[2], sender[1], sender[0], Source.WEB))
            if direct:
                walk.esms(st.UNDER_ANALYSIS, sent)
                walk.unit(st.UNIT_UNDER_ANALYSIS, sent)
            else:
                walk.orientation(st.NOTIFIED, sent)
            if rank - 1 == winner:
                walk.admit(sent, admitted_on, trial=not older)
            else:
                walk.pending(sent, cutoff)
                if admitted and request.status in st.ESMS_OPEN:
                    if rng.random() < 0.05:
                        request.stay_on_list = True
                    else:  # as the follow-up's "admitted elsewhere"
                        walk.system_close(
                            st.ADMISSION_IMPOSSIBLE_CONFIRMED,
                            st.REASON_ADMITTED_ELSEWHERE,
                            admitted_on + timedelta(days=1),
                            st.REASON_AUTOMATIC_CANCELLATION,
                        )
                elif end and end < today and request.status not in st.ESMS_ENDED:
                    walk.system_close(  # as orientation_decision_expire
                        st.NOTIFICATION_CANCELLED,
                        st.REASON_DECISION_CLOSED_BY_MDPH,
                        end + timedelta(days=1),
                        st.REASON_NOTIFICATION_EXPIRED,
                    )
            plan.requests.append(request)


def build_departement(*, seed: int, code: str, today: date, rules) -> list[CasePlan]:
    dep = _Departement(seed, code, today, rules)
    persons = (
        Person.objects.filter(external_ref__startswith=f"demo:{seed}:{code}:", merged_into=None)
        .order_by("external_ref")
        .values_list("pk", "external_ref", "birth_date", "postal_code", "city")
    )
    cases = []
    for pk, ref, birth, postal_code, city in persons:
        if birth is None:
            continue
        case = dep.case(pk, ref, birth, postal_code, city)
        if case is not None:
            cases.append(case)
    return cases


@contextmanager
def _dates_as_given(*models) -> Iterator[None]:
    """Bulk inserts keep the generated created_at/updated_at instead of "now" (set-up only, single thread)."""
    touched = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                touched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in touched:
            f.auto_now, f.auto_now_add = now, now_add


@transaction.atomic
def apply_departement(cases: list[CasePlan]) -> dict[str, int]:
    models = (OrientationDecision, AdmissionFile, AdmissionRequest, UnitRequestStatus)
    with _dates_as_given(*models):
        decisions = [
            OrientationDecision(person_id=c.person_id, updated_at=c.decision["created_at"], **c.decision) for c in cases
        ]
        OrientationDecision.objects.bulk_create(decisions, batch_size=BATCH)
        AdmissionFile.objects.bulk_create(
            [AdmissionFile(person_id=c.person_id, updated_at=c.file["created_at"], **c.file) for c in cases],
            batch_size=BATCH,
        )
        pairs = [(r, decision, c) for c, decision in zip(cases, decisions, strict=True) for r in c.requests]
        requests = [
            AdmissionRequest(
                person_id=c.person_id,
                decision=decision,
                site_id=r.site_id,
                wish_rank=r.wish_rank,
                status=r.status,
                status_reason=r.reason,
                stay_on_list=r.stay_on_list,
                created_by=r.sender[2],
                created_by_organisation_id=r.sender[0],
                created_by_user_id=r.sender[1],
                created_at=r.steps[0]["at"],  # the creation step, as the services write both at once
                updated_at=r.steps[-1]["at"],
            )
            for r, decision, c in pairs
        ]
        AdmissionRequest.objects.bulk_create(requests, batch_size=BATCH)
        unit_rows, steps = [], []
        for (r, _d, _c), request in zip(pairs, requests, strict=True):
            if r.unit_status:
                at = [step["at"] for step in r.steps if step["level"] == wf.UNIT]
                unit_rows.append(
                    UnitRequestStatus(
                        request=request,
                        unit_id=r.unit_id,
                        status=r.unit_status,
                        status_reason=r.unit_reason,
                        created_at=at[0],
                        updated_at=at[-1],
                    )
                )
            steps += [StatusTransition(request=request, **step) for step in r.steps]
        UnitRequestStatus.objects.bulk_create(unit_rows, batch_size=BATCH)
        StatusTransition.objects.bulk_create(steps, batch_size=BATCH)
    return {
        "decisions": len(decisions),
        "files": len(cases),
        "requests": len(requests),
        "unit_statuses": len(unit_rows),
        "transitions": len(steps),
    }


def orientation_demo(*, seed: int, codes: list[str], today: date | None = None) -> dict[str, int]:
    """Build and insert the orientation data of each département not done yet. Returns created counts."""
    today = today or timezone.localdate()
    rules = sdo_rules()
    if not rules:
        terminology_load()
        rules = sdo_rules()
    totals = {"decisions": 0, "files": 0, "requests": 0, "unit_statuses": 0, "transitions": 0}
    for code in codes:
        prefix = f"demo:{seed}:{code}:"
        if AdmissionFile.objects.filter(person__external_ref__startswith=prefix).exists():
            continue
        for key, value in apply_departement(build_departement(seed=seed, code=code, today=today, rules=rules)).items():
            totals[key] += value
    return totals
