"""manage.py load_geography: progress, JSON summary on the last line, clear errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relais.territory.models import Commune, Region

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("load_geography", *args, stdout=out)
    return out.getvalue().splitlines()


def test_command_loads_and_ends_with_a_json_summary():
    lines = run("--departements", "2a")
    assert any("Communes" in line for line in lines[:-1])
    summary = json.loads(lines[-1])
    assert summary["communes"]["created"] == 124 == Commune.objects.count()
    assert set(summary) >= {"regions", "departements", "communes", "postal_codes"}
    assert set(summary["communes"]) >= {"created", "updated", "unchanged", "obsolete", "without_coordinates"}
    assert json.loads(run("--departements", "2A", "-v", "0")[-1])["communes"]["unchanged"] == 124


@pytest.mark.parametrize("value", ["99", "35,99", ", ,"])
def test_bad_departements_fail_cleanly(value):
    with pytest.raises(CommandError, match="département"):
        run("--departements", value)
    assert not Region.objects.exists()


def test_missing_node_modules(settings, tmp_path):
    settings.NODE_MODULES = tmp_path / "node_modules"
    with pytest.raises(CommandError, match=r"rien n'a été écrit.*npm ci"):
        run("--departements", "35")
    assert not Commune.objects.exists()
