"""Matching on the database: the instance selector, storing proposals, accept and refuse, the screens."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from relais.audit.models import AccessLogEntry, AccessLogListing
from relais.orientation.proposals.models import MatchProposal, ProposalStatus
from relais.orientation.proposals.selectors import instance_for_units, units_run_by
from relais.orientation.proposals.services import proposal_accept, proposal_refuse, proposals_compute

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]


def request_of(waiting, person, site):
    return next(r for r in waiting.requests if r.person_id == person.pk and r.site_id == site.pk)


def test_instance_from_the_database(waiting):
    w = waiting.world
    x = instance_for_units(units_run_by(w.body_director))
    assert sorted(x.u_id.tolist()) == sorted([waiting.unit_a.pk, waiting.unit_b.pk])
    assert x.n_requests == 4
    record = x.request_record(list(x.r_person).index(waiting.persons[0].pk))
    assert record.urgency == 3 and record.zone == "29" and record.latitude == pytest.approx(47.996)
    assert record.age == 46 or record.age == 45  # born 2 May 1980
    assert units_run_by(w.staff[0]).get() == waiting.unit_a
    assert not units_run_by(w.coordinator).exists()


def test_site_staff_computes_for_their_unit(waiting):
    w = waiting.world
    run, created = proposals_compute(actor=w.staff[0], units=units_run_by(w.staff[0]))
    assert [(p.request.person_id, p.unit_id) for p in created] == [(waiting.persons[0].pk, waiting.unit_a.pk)]
    proposal = created[0]
    assert proposal.run == run and proposal.score == 100 + 20 - 8  # critical, first wish, ≈ 52 km
    parts = {part["key"]: part["points"] for part in proposal.explanation["score"]["parts"]}
    assert parts == {"urgency": 100, "waited": 0, "wish": 20, "distance": -8}
    others = proposal.explanation["unit"]["others"]
    assert [o["reason"] for o in others] == ["lower_score", "lower_score"]
    assert AccessLogEntry.objects.filter(action="create", ground="orientation_matching").count() == 1


def test_managing_body_computes_the_global_optimum_and_recomputing_withdraws(waiting):
    w = waiting.world
    _run, first = proposals_compute(actor=w.body_director, units=units_run_by(w.body_director))
    got = {(p.request.person_id, p.unit_id) for p in first}
    # The critical person goes to unit B (their second wish) so that the urgent one gets unit A.
    assert got == {(waiting.persons[0].pk, waiting.unit_b.pk), (waiting.persons[1].pk, waiting.unit_a.pk)}
    run2, second = proposals_compute(actor=w.body_director, units=units_run_by(w.body_director))
    assert {(p.request.person_id, p.unit_id) for p in second} == got  # deterministic
    assert set(MatchProposal.objects.filter(status=ProposalStatus.PROPOSED).values_list("run", flat=True)) == {run2}
    assert MatchProposal.objects.filter(status=ProposalStatus.WITHDRAWN).count() == 2


def test_accept_records_the_decision_and_never_admits(waiting):
    w = waiting.world
    _run, [proposal] = proposals_compute(actor=w.staff[0], units=units_run_by(w.staff[0]))
    proposal = proposal_accept(actor=w.staff[0], proposal=proposal)
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_at is not None
    assert proposal.decided_by == w.staff[0].public_label and "@" not in proposal.decided_by  # decision 0054
    waiting.unit_a.refresh_from_db()
    assert waiting.unit_a.available == 1
    assert proposal.request.__class__.objects.get(pk=proposal.request_id).status == "42"
    with pytest.raises(ValidationError, match="déjà"):
        proposal_accept(actor=w.staff[0], proposal=proposal)
    assert AccessLogEntry.objects.filter(action="update", detail="proposition acceptée").count() == 1


def test_refusal_needs_a_reason_and_only_the_site_decides(waiting):
    w = waiting.world
    _run, [proposal] = proposals_compute(actor=w.staff[0], units=units_run_by(w.staff[0]))
    with pytest.raises(ValidationError, match="motif du refus est obligatoire"):
        proposal_refuse(actor=w.staff[0], proposal=proposal, reason="   ")
    with pytest.raises(PermissionDenied):
        proposal_refuse(actor=w.staff[1], proposal=proposal, reason="Pas chez nous")
    with pytest.raises(PermissionDenied):
        proposals_compute(actor=w.staff[1], units=[waiting.unit_a])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    refused = proposal_refuse(actor=w.staff[0], proposal=proposal, reason="Besoin de soins non couverts")
    assert refused.status == ProposalStatus.REFUSED and refused.refusal_reason == "Besoin de soins non couverts"


def as_(client, actor):
    client.force_login(actor.user)
    return client


def test_proposals_page_compute_accept_refuse(client, waiting):
    w = waiting.world
    as_(client, w.staff[0])
    page = client.get(reverse("orientation:proposals"))
    assert page.status_code == 200 and "Calculer les propositions" in page.content.decode()
    response = client.post(reverse("orientation:proposals_compute"), follow=True)
    html = response.content.decode()
    assert "1 proposition calculée" in html
    assert "Urgence : situation critique : 100 points" in html
    assert "MORVAN Anne" in html and "inférieur à celui de la dernière personne proposée" in html
    reads = AccessLogEntry.objects.filter(action="read", ground="orientation_matching")
    assert all(entry.is_list for entry in reads)  # one entry per list shown (decision 0047), with the persons in it
    seen = set(AccessLogListing.objects.filter(entry__in=reads).values_list("subject", flat=True))
    assert seen == {f"persons.person:{p.pk}" for p in waiting.persons}
    proposal = MatchProposal.objects.get(status=ProposalStatus.PROPOSED)
    response = client.post(reverse("orientation:proposal_refuse", args=[proposal.pk]), {"reason": ""}, follow=True)
    assert "Le motif du refus est obligatoire." in response.content.decode()
    response = client.post(reverse("orientation:proposal_accept", args=[proposal.pk]), follow=True)
    assert "Proposition acceptée" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED


def test_out_of_scope_proposals_are_404(client, waiting):
    w = waiting.world
    _run, [proposal] = proposals_compute(actor=w.staff[0], units=units_run_by(w.staff[0]))
    as_(client, w.staff[1])  # another site of the same body: not its request
    assert client.post(reverse("orientation:proposal_accept", args=[proposal.pk])).status_code == 404
    assert client.post(reverse("orientation:proposal_refuse", args=[proposal.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("orientation:proposal_accept", args=[999999])).status_code == 404
    assert "Kerbrat" not in client.get(reverse("orientation:proposals")).content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_simulation_for_territory_roles_only_and_without_persons(client, waiting):
    w = waiting.world
    url = reverse("orientation:simulation")
    params = {"category": "500", "departement": "29", "places": "2", "care_mode": ""}
    as_(client, w.staff[0])
    assert client.get(url, params).status_code == 403
    w.mdph.organisation.departement_id = "29"  # the simulation covers the MDPH's own département only
    w.mdph.organisation.save()
    as_(client, w.mdph)
    html = client.get(url, params).content.decode()
    # Today: A and B give places to two persons; two more places in the Finistère: the third one too.
    assert "<strong>1</strong> personne de plus trouverait une solution" in html
    assert "Personnes avec une proposition aujourd'hui : 2" in html
    assert "Kerbrat" not in html and "Morvan" not in html and "Le Gall" not in html
    bad = client.get(url, {**params, "places": "0"}).content.decode()
    assert "Résultat" not in bad
