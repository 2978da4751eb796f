"""Messages placed in a section (issue 13 item 9): only anchors whose section shows them get them; none is lost."""

import re
from pathlib import Path

from relais.web.templatetags.placed_messages import PLACES, place_tag

ROOT = Path(__file__).resolve().parents[2] / "relais"


def test_every_place_is_shown_by_a_template_and_every_template_place_is_known():
    used = {
        match
        for path in ROOT.rglob("*.html")
        for match in re.findall(r'{%\s*messages_at\s+"([a-z-]+)"\s*%}', path.read_text(encoding="utf-8"))
    }
    assert used == PLACES


def test_an_anchor_without_its_own_messages_keeps_them_at_the_top():
    assert place_tag("/parcours/dossiers/3/#documents") == "at-documents"
    assert place_tag("/messagerie/fils/9/#dernier") == ""
    assert place_tag("/parcours/dossiers/3/") == ""
