"""The layout of the two largest apps (issue 11, item 3): relais/orientation/ and relais/pathway/ are divided by
meaning into sub-packages (each with its models, services and selectors side by side); only what Django or the other
apps look for by name, and the access rules, stay at the top level. A new module goes into the sub-package whose
meaning it shares, or into a new sub-package named for what it holds, never back at the top level.
"""

from __future__ import annotations

from pathlib import Path

import relais

ROOT = Path(relais.__file__).parent

# Django's and the other apps' names: the app config, the model registry (models live in the sub-packages), the root
# routes, the notification kinds (autodiscovered by module name).
FRAMEWORK = frozenset({"__init__.py", "apps.py", "models.py", "urls.py", "notification_kinds.py"})
TOP_LEVEL_MODULES = {
    "orientation": FRAMEWORK | {"policy.py"},
    # The access rules of the record, below every sub-package, and the one module the tools around the circle import.
    "pathway": FRAMEWORK | {"policy.py", "matrix.py", "guard.py", "access.py"},
}
SUB_PACKAGES = {
    "orientation": {
        "admission",
        "decisions",
        "fhir",
        "follow_up",
        "proposals",
        "requests",
        "screens",
        "terminology",
        "territory_figures",
        "waiting_list",
    },
    "pathway": {"circle", "events", "fhir", "record", "screens"},
}
DJANGO_FOLDERS = frozenset({"management", "migrations", "templates", "templatetags", "static", "__pycache__"})


def stray_modules(app: Path, allowed: set[str]) -> list[str]:
    """Python modules directly in ``app`` that are not in ``allowed``."""
    return sorted(path.name for path in app.glob("*.py") if path.name not in allowed)


def packages_without_init(app: Path) -> list[str]:
    """Folders of ``app`` holding Python modules but no ``__init__.py`` (a sub-package must be one)."""
    return sorted(
        folder.name
        for folder in app.iterdir()
        if folder.is_dir()
        and folder.name not in DJANGO_FOLDERS
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").exists()
    )


def test_no_module_at_the_top_level_of_the_divided_apps():
    for app, allowed in TOP_LEVEL_MODULES.items():
        strays = stray_modules(ROOT / app, allowed)
        assert not strays, (
            f"relais/{app}/ holds {', '.join(strays)} at its top level: move it into the sub-package whose meaning it "
            f"shares ({', '.join(sorted(SUB_PACKAGES[app]))}), or name a new one for what it holds."
        )


def test_the_sub_packages_are_the_ones_documented():
    for app, expected in SUB_PACKAGES.items():
        found = {
            folder.name
            for folder in (ROOT / app).iterdir()
            if folder.is_dir() and folder.name not in DJANGO_FOLDERS and (folder / "__init__.py").exists()
        }
        assert found == expected, (
            f"relais/{app}/: update SUB_PACKAGES (and docs/architecture.md) for {found ^ expected}"
        )
        assert not packages_without_init(ROOT / app)


def test_the_layout_rule_flags_a_stray_module(tmp_path):
    app = tmp_path / "orientation"
    (app / "requests").mkdir(parents=True)
    for name in ("__init__.py", "apps.py", "models.py", "waiting_list.py", "requests/services.py"):
        (app / name).write_text("")
    assert stray_modules(app, TOP_LEVEL_MODULES["orientation"]) == ["waiting_list.py"]
    assert packages_without_init(app) == ["requests"]
