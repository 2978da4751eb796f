"""The journeys benchmark (benchmarks/journeys.py) imports, registers the four journeys of issue 13 with a demo user
each, parses its arguments and summarises its runs. No browser and no server here (the benchmark itself drives them),
and no timing assertion: the figures are in docs/performance.md."""

import importlib
import sys
from pathlib import Path

import pytest

from relais.demo.logins import DEMO_LOGINS

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def journeys():
    sys.path.insert(0, str(BENCHMARKS))  # the scripts import their sibling modules (machine, journey_kit)
    try:
        yield importlib.import_module("journeys")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_the_four_journeys_are_registered_each_with_a_demo_user_and_how_it_is_done_today(journeys):
    assert list(journeys.JOURNEYS) == [
        "send_requests_to_three_esms",
        "admit_first_of_waiting_list",
        "find_my_persons_with_overdue_actions",
        "record_hospital_discharge",
    ]
    emails = {login.email for login in DEMO_LOGINS}
    for name, item in journeys.JOURNEYS.items():
        assert item.name == name and item.title and len(item.how) > 40 and callable(item.run)
        assert journeys.demo_login(item.role).email in emails
    assert journeys.demo_login(journeys.JOURNEYS["admit_first_of_waiting_list"].role).email.startswith("admissions.")
    assert "Sortie" in journeys.JOURNEYS["record_hospital_discharge"].how  # no structured discharge today: said so


def test_arguments(journeys):
    defaults = journeys.parse_args([])
    assert (defaults.url, defaults.journey, defaults.runs, defaults.port, defaults.rebuild) == (None, None, 1, 0, False)
    chosen = journeys.parse_args(
        ["--url", "http://127.0.0.1:8000", "--journey", "record_hospital_discharge", "--runs", "3"]
    )
    assert (chosen.url, chosen.journey, chosen.runs) == ("http://127.0.0.1:8000", ["record_hospital_discharge"], 3)
    with pytest.raises(SystemExit):
        journeys.parse_args(["--journey", "no_such_journey"])


def _run(seconds: list[float], *, ok: bool = True) -> dict:
    """One run's result as the recorder gives it (journey_kit.summarise: total, slowest step, steps over target)."""
    steps = [{"name": f"step {n}", "seconds": s, "kind": "click"} for n, s in enumerate(seconds)]
    return {"ok": ok, "clicks": len(steps), "typed_fields": 1, **sys.modules["journey_kit"].summarise(steps)}


def test_several_runs_give_each_step_its_median_and_the_slowest_step(journeys):
    over = journeys.TARGET_STEP_S + 0.5
    combined = journeys.combine([_run([0.2, over, 0.4]), _run([0.3, 0.1, 0.5]), _run([0.1, over, 0.6])])
    assert [step["seconds"] for step in combined["steps"]] == [0.2, over, 0.5]
    assert combined["slowest_step"] == {"name": "step 1", "seconds": over}
    assert combined["steps_over_target"] == ["step 1"]
    assert combined["seconds_total"] == round(0.2 + over + 0.5, 3)
    assert len(combined["seconds_total_runs"]) == 3 and combined["clicks"] == 3

    # Runs that did not follow the same steps are not mixed: the median run is reported as it was.
    failed = journeys.combine([_run([0.2, 0.3]), _run([0.1], ok=False), _run([0.4, 0.5])])
    assert failed["note"].startswith("the runs took different steps")
    assert [step["seconds"] for step in failed["steps"]] == [0.2, 0.3]
