import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from relais.demo.generator import DEFAULT_DEPARTEMENT, SCALES, apply_plan, build_plan, departement_codes
from relais.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from relais.demo.offer import apply_offer_plan, build_offer_plan
from relais.demo.orientation import orientation_demo
from relais.demo.pathway import pathway_demo
from relais.demo.persons import apply_person_plan, build_person_plan
from relais.territory.models import Commune, Departement


class Command(BaseCommand):
    help = "Génère un territoire de démonstration (personnes fictives, géographie réelle). Déterministe et idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", choices=SCALES, default="departement")
        parser.add_argument(
            "--departement", default=DEFAULT_DEPARTEMENT, help="Département de départ (échelles département et région)."
        )

    def handle(self, *args, seed, scale, departement, **options):
        from relais.territory.geography import GeographyError

        started = time.monotonic()
        try:
            self._ensure_geography(scale, departement)
        except GeographyError as error:
            raise CommandError(str(error)) from error
        codes = departement_codes(scale, departement)
        plan = build_plan(seed=seed, scale=scale, departement=departement)
        created = apply_plan(plan)
        offer_started = time.monotonic()
        offer = build_offer_plan(seed=seed, codes=codes, organisations=plan, now=timezone.now())
        offer_created = apply_offer_plan(offer)
        offer_seconds = time.monotonic() - offer_started
        persons_started = time.monotonic()
        persons = build_person_plan(seed=seed, codes=codes)
        persons_created = apply_person_plan(persons)
        persons_seconds = time.monotonic() - persons_started
        orientation_started = time.monotonic()
        orientation = orientation_demo(seed=seed, codes=codes)
        orientation["seconds"] = round(time.monotonic() - orientation_started, 2)
        pathway = pathway_demo()
        self.stdout.write(f"Territoire de démonstration ({scale}, {len(codes)} département(s), graine {seed}) :")
        self.stdout.write(f"  {len(plan.organisations)} organisations, {len(plan.users)} professionnel·les fictif·ves.")
        n_units = sum(len(units) for units in offer.units.values())
        self.stdout.write(
            f"  Offre : {len(offer.legal_entities)} entités juridiques, {len(offer.sites)} établissements, "
            f"{n_units} unités ({offer_seconds:.1f} s)."
        )
        self.stdout.write(
            f"  Personnes fictives : {len(persons.persons)} dont {len(persons.near_duplicates)} quasi-doublons "
            f"volontaires ({persons_seconds:.1f} s)."
        )
        self.stdout.write(
            f"  Orientation : {orientation['decisions']} décisions, {orientation['requests']} demandes d'admission, "
            f"{orientation['transitions']} changements de statut ({orientation['seconds']:.1f} s)."
        )
        self.stdout.write(
            f"  Parcours : {pathway['records']} dossiers de coordination ouverts par la coordination du DAC."
        )
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<45} {login.description}")
        summary = {
            "scale": scale,
            "seed": seed,
            "departements": len(codes),
            "created": created,
            "offer": {
                "created": offer_created,
                "legal_entities": len(offer.legal_entities),
                "sites": len(offer.sites),
                "units": n_units,
                "seconds": round(offer_seconds, 2),
            },
            "persons": {
                "created": persons_created,
                "persons": len(persons.persons),
                "near_duplicates": len(persons.near_duplicates),
                "seconds": round(persons_seconds, 2),
            },
            "orientation": orientation,
            "pathway": pathway,
            "seconds": round(time.monotonic() - started, 2),
        }
        self.stdout.write(json.dumps(summary))

    def _ensure_geography(self, scale: str, departement: str) -> None:
        from relais.territory.services import geography_load

        # A département alone loads fast; a region or the nation needs the whole reference.
        wanted = {departement} if scale == "departement" else None
        have = set(Commune.objects.values_list("departement_id", flat=True).distinct())
        complete = Departement.objects.exclude(code__in=have).count() == 0 and have
        if (wanted is not None and not wanted <= have) or (wanted is None and not complete):
            self.stdout.write("Chargement du référentiel géographique…")
            geography_load(departements=wanted)
        if not Departement.objects.filter(code=departement).exists():
            raise CommandError(f"Département inconnu : {departement!r}.")
