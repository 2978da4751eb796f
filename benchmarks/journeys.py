"""Journeys benchmark: clicks and seconds of four daily tasks, done in Chromium as the demo users would (not a test).

    python benchmarks/journeys.py [--runs 3] [--url http://127.0.0.1:8000] [--journey NAME ...] [--port 0]
                                  [--rebuild] [--headed] [--screenshots DIR]

Without --url, does what `make run` does on a copy of its own: builds once (reused afterwards; --rebuild starts again)
the département demo in var/bench/relais.sqlite3 (the database web_load.py builds: migrate, demo_territory --seed 1
--scale departement), copies it to var/bench/journeys/relais.sqlite3 (each run starts from the same data: journeys
write), migrates it and collects the static files as `make setup` does, and starts `make serve` (honcho: gunicorn with
config/gunicorn.py and the huey worker; DEBUG off, 2FA off) on a spare loopback port; --runs N does it N times (a
fresh copy each time) and reports each step's median. With --url, drives an already-running server (`make run`) whose
database holds the département demo (journeys change its data: a run admits a person, sends requests…).

Each journey is a small function below, registered in JOURNEYS: it logs in as the demo user of its role
(relais/demo/logins.py, not counted), starts from the home page and does the task with stable selectors (roles,
labels, French texts). Counted: ``clicks`` (every click or form submission by the user) and ``typed_fields`` (every
field typed in or chosen from a list); timed: each step, from the user's action until the page is ready (the next
page loaded, or the awaited answer shown). Typing is not timed (the user's speed, not the server's). Each user logs in
once before the measures (a warm-up: no journey pays for a cold worker).

Where a task has no screen of its own today, the journey does it the way it is done today and says so in "how".
Progress goes to stderr; the last line printed is one JSON object: per journey {clicks, typed_fields, seconds_total,
slowest_step: {name, seconds}, steps: [{name, seconds, kind}], how, ...}. Target (issue 13): each journey in fewer
clicks than the baseline in docs/performance.md, and no step above 1 s on the département demo.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from journey_kit import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JOURNEYS,
    ROOT,
    STEP_TIMEOUT_MS,
    TARGET_STEP_S,
    Journey,
    JourneyImpossible,
    Recorder,
    combine,
    free_port,
    heading,
    journey,
    log,
    nav,
    prepare,
    serve,
    status_message,
    stop,
)
from machine import machine
from playwright.sync_api import expect

sys.path.insert(0, str(ROOT))

from relais.accounts.roles import Role
from relais.demo.logins import DEMO_LOGINS, DEMO_PASSWORD


def demo_login(role: str):
    """The demo account whose default membership has this role."""
    return next(login for login in DEMO_LOGINS if login.memberships[0][1] == role)


# --- The journeys, on today's screens (update a journey when its screens change) -----------------------------------


@journey(
    "send_requests_to_three_esms",
    "Envoyer les demandes d'une personne à trois ESMS",
    Role.ORIENTATION_OFFICER,
    "Personnes suivies → recherche par nom → page de la personne → « Envoyer des demandes d'admission » (les ESMS "
    "de la décision autour du domicile, avec places libres et listes d'attente, sans recherche) → « Ajouter » trois "
    "fois, sans recharger la page (htmx) → rangs par défaut (1, 2, 3) → « Envoyer 3 demandes ».",
)
def send_requests_to_three_esms(run: Recorder) -> None:
    page = run.page
    person = _person_without_requests(page)
    run.notes["person"] = person["label"]
    page.goto("/")
    run.click("Personnes suivies (menu)", nav(page, "Personnes suivies"), ready=heading(page, "Personnes suivies"))
    run.type(page.get_by_label("Nom ou prénom"), person["search"])
    run.click("Rechercher la personne", page.get_by_role("button", name="Rechercher"))
    run.click("Ouvrir la page de la personne", page.get_by_role("link", name=person["label"], exact=True))
    run.click(
        "Envoyer des demandes d'admission",
        page.get_by_role("link", name="Envoyer des demandes d'admission"),
        ready=heading(page, "Envoyer des demandes d'admission"),
    )
    adds = page.get_by_role("link", name=re.compile(r"^Ajouter "))
    if adds.count() < 3:  # fewer than three ESMS of the decision within 30 km: the officer widens the distance
        run.choose(page.get_by_label("Distance du domicile"), "moins de 100 km")
        expect(page.get_by_role("table").first).to_contain_text("à moins de 100 km")
    for n in range(3):
        selected = page.locator(".send-selection tbody tr")
        run.click(
            f"Ajouter l'établissement n° {n + 1}",
            adds.first,
            navigates=False,
            ready=lambda n=n, selected=selected: expect(selected).to_have_count(n + 1),
        )
    run.click(
        "Envoyer 3 demandes",
        page.get_by_role("button", name="Envoyer 3 demandes"),
        ready=status_message(page, "3 demandes d'admission envoyées."),
    )


def _person_without_requests(page) -> dict:
    """Not counted: the person the officer has in mind — the first one of the list with no request under way and a
    decision in force (its first oriented category is the one searched)."""
    page.goto("/orientation/personnes/")
    rows = page.get_by_role("table").locator("tbody tr")
    for n in range(rows.count()):
        row = rows.nth(n)
        if row.locator("td.open-requests").inner_text().strip() != "0":  # the work list's « Demandes en cours »
            continue
        link = row.get_by_role("link")
        label = link.inner_text().strip()
        href = link.get_attribute("href")
        page.goto(href)
        categories = page.locator("dt", has_text="Catégories orientées").locator("xpath=following-sibling::dd[1]")
        if page.get_by_text("En cours de validité").count() and categories.count():
            first_category = categories.first.inner_text().split(" ; ")[0].strip()
            page.goto("/orientation/personnes/")
            words = [word for word in label.split() if not word.startswith("(")]  # "(used name)" left out
            return {"label": label, "search": " ".join(words[:2]), "category": first_category}
        page.goto("/orientation/personnes/")
    raise JourneyImpossible("no person without a request and with a decision in force in the MDPH's list")


@journey(
    "admit_first_of_waiting_list",
    "Admettre la première personne de la liste d'attente",
    Role.ADMISSION_OFFICER,
    "Liste d'attente (tri par score) → première personne (sa demande) → « Admettre dans l'unité … » ouvre la "
    "confirmation sur la page (qui, où, date d'entrée pré-remplie ; sans place déclarée libre, elle dit que "
    "l'admission prend une place libérée non déclarée et que l'unité reste à 0) → « Confirmer l'admission » "
    "(décision 0043). Sans ouvrir la demande, « Admettre… » sur la ligne de la liste ouvre la même confirmation.",
)
def admit_first_of_waiting_list(run: Recorder) -> None:
    page = run.page
    page.goto("/")
    run.click("Liste d'attente (menu)", nav(page, "Liste d'attente"), ready=heading(page, "Liste d'attente"))
    table = page.get_by_role("table", name=re.compile(r"^Demandes"))
    first = table.locator("tbody tr").first
    person = first.get_by_role("link").first.inner_text().strip()
    unit = _unit_of(first.locator(".details-list li", has_text="Unités :").first)  # the line's details (0043)
    run.notes["person"] = person
    run.click(
        "Ouvrir la première demande", first.get_by_role("link", name=person, exact=True), ready=heading(page, person)
    )
    offered = page.locator("details.admit-confirm > summary")
    if not offered.count():
        raise JourneyImpossible(f"{person}: no « Admettre dans l'unité … » on the request page")
    unit = unit or offered.first.inner_text().split("« ")[1].split(" »")[0]
    run.notes["unit"] = unit
    confirm = page.locator("details.admit-confirm", has=page.locator("summary", has_text=f"« {unit} »…"))
    run.notes["place_declared_free"] = not confirm.locator("input[name=place_non_declaree]").count()
    run.click(
        f"Admettre dans l'unité « {unit} »… (confirmation)",
        confirm.locator("summary"),
        navigates=False,
        ready=lambda: expect(confirm.get_by_role("button", name="Confirmer l'admission")).to_be_visible(),
    )
    run.click(
        "Confirmer l'admission",
        confirm.get_by_role("button", name="Confirmer l'admission"),
        ready=status_message(page, f"Admission prononcée dans « {unit} »"),
    )


def _unit_of(cell) -> str | None:
    """The unit named in a line's details ("Unités : Hébergement permanent : Admissible"), if any."""
    if not cell.count():
        return None
    text = cell.text_content().strip().removeprefix("Unités :").strip()
    return text.split(" : ")[0].strip() if " : " in text else None


@journey(
    "find_my_persons_with_overdue_actions",
    "Trouver mes personnes qui ont des actions en retard",
    Role.COORDINATOR,
    "La page d'accueil résume « Mes personnes » (decision 0044) : un clic sur « … avec des actions en retard » ouvre "
    "le tableau de bord filtré, une ligne par personne avec ses actions en retard.",
)
def find_my_persons_with_overdue_actions(run: Recorder) -> None:
    page = run.page
    page.goto("/")
    run.click(
        "… avec des actions en retard (accueil)",
        page.get_by_role("main").get_by_role("link", name=re.compile(r"avec des actions en retard$")),
        ready=heading(page, "Mes personnes"),
    )
    table = page.get_by_role("table", name=re.compile(r"^Mes personnes"))
    rows = table.locator("tbody tr")
    found = [rows.nth(n).get_by_role("link").first.inner_text().strip() for n in range(rows.count())]
    run.notes["records_opened"] = 0
    run.notes["persons_found"] = len(found)


@journey(
    "record_hospital_discharge",
    "Enregistrer une sortie d'hospitalisation",
    Role.CARE_PROFESSIONAL,
    "Séjour structuré (décision 0045) : la page d'accueil de l'infirmière de l'hôpital liste les « Séjours en cours » "
    "de son établissement (personne, service, entrée, sortie prévue) ; « Noter la sortie » sur la ligne ouvre le "
    "formulaire sur place (date, destination « Retour à domicile ») ; le message revient à la liste. Tout le cercle "
    "est prévenu, le plan reçoit les actions « retour à domicile ». Avant issue 13 : un événement « Sortie » tapé "
    "dans la chronologie (4 clics, 4 champs) ; avant cette liste : 4 clics par le menu et le dossier.",
)
def record_hospital_discharge(run: Recorder) -> None:
    page = run.page
    page.goto("/")
    stays = page.locator("#sejours-en-cours")
    row = stays.locator("tbody tr").first
    name = row.get_by_role("link").first.inner_text().strip()
    run.notes["person"] = name
    run.notes["stays_listed"] = stays.locator("tbody tr").count()
    leave = row.locator("form[action$='/sortie/']")
    run.click(
        "Noter la sortie (ouvrir, accueil)",
        row.locator("summary", has_text="Noter la sortie"),
        navigates=False,
        ready=lambda: expect(leave).to_be_visible(),
    )
    run.type(leave.get_by_label("Sortie le"), datetime.now(ZoneInfo("Europe/Paris")).date().isoformat())
    run.choose(leave.get_by_label("Destination"), "Retour à domicile")
    run.click(
        "Noter la sortie",
        leave.get_by_role("button", name="Noter la sortie"),
        ready=lambda: expect(page.locator("#sejours-en-cours")).to_contain_text("La sortie est notée"),
    )


# --- Running them ---------------------------------------------------------------------------------------------------


def log_in(page, login) -> None:
    """Not counted: the journeys start on the home page, logged in."""
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(login.email)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {login.first_name}")


def run_journey(browser, base_url: str, item: Journey, screenshots: Path | None) -> dict:
    login = demo_login(item.role)
    context = browser.new_context(
        base_url=base_url, locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    run = Recorder(page)
    log(f"{item.name} ({login.email})")
    try:
        log_in(page, login)
        item.run(run)
        outcome = {"ok": True}
    except Exception as error:  # (reported in the JSON; the other journeys still run)
        outcome = {"ok": False, "error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"}
        log(f"  FAILED: {outcome['error']}")
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=screenshots / f"journey-{item.name}.png", full_page=True)
    context.close()
    return {"title": item.title, "user": login.email, **outcome, **run.result(), "how": item.how}


def warm_up(browser, base_url: str, items: list[Journey]) -> None:
    """Not measured: each user logs in once and loads the home page, so that no journey pays for a cold worker."""
    for item in items:
        context = browser.new_context(base_url=base_url, locale="fr-FR")
        log_in(context.new_page(), demo_login(item.role))
        context.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an already-running server (`make run`) with the département demo")
    parser.add_argument("--journey", action="append", choices=list(JOURNEYS), help="only this journey (repeatable)")
    parser.add_argument("--port", type=int, default=0, help="port of the server started here (0: a spare one)")
    parser.add_argument(
        "--runs", type=int, default=1, help="run every journey N times (a fresh demo copy each time): step medians"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the benchmark database again")
    parser.add_argument("--headed", action="store_true", help="show the browser (needs a display)")
    parser.add_argument("--screenshots", type=Path, help="folder for each journey's last page")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        raise SystemExit(f"needs Debian's Chromium at {CHROMIUM}: bash scripts/ensure-chromium.sh")
    from playwright.sync_api import sync_playwright

    items = [JOURNEYS[name] for name in (args.journey or JOURNEYS)]
    runs: dict[str, list[dict]] = {item.name: [] for item in items}
    load_before = os.getloadavg()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=not args.headed, args=CHROMIUM_ARGS
        )
        for number in range(1, args.runs + 1):
            server = None
            if args.url:
                base_url = args.url.rstrip("/")
            else:
                port = args.port or free_port()
                base_url = f"http://127.0.0.1:{port}"
                log(f"run {number}/{args.runs}: a fresh copy of the département demo, `make serve` on {base_url}…")
                server = serve(port, prepare(port, args.rebuild and number == 1))
            try:
                warm_up(browser, base_url, items)
                for item in items:
                    runs[item.name].append(run_journey(browser, base_url, item, args.screenshots))
            finally:
                if server is not None:
                    stop(server)
        browser.close()
    results = {name: combine(journey_runs) for name, journey_runs in runs.items()}
    report = {
        "journeys": results,
        "target": {"max_step_s": TARGET_STEP_S, "clicks": "fewer than the baseline in docs/performance.md"},
        "runs": args.runs,
        "server": args.url or "make serve (gunicorn + huey, DEBUG off) on a copy of var/bench/relais.sqlite3",
        "measured_at": datetime.now(ZoneInfo("Europe/Paris")).isoformat(timespec="seconds"),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0 if all(result["ok"] for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
