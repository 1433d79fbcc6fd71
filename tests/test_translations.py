"""Every compiled translation catalogue is up to date with its source."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("translations/*/en/LC_MESSAGES/*.po"))


def messages(catalog) -> dict[object, object]:  # type: ignore[no-untyped-def]
    return {m.id: m.string for m in catalog if m.id}


def test_the_core_catalogue_exists():
    assert ROOT / "translations/core/en/LC_MESSAGES/messages.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalogue_matches_its_source(po: Path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run pybabel compile -d {po.parents[2]}"
    compiled = io.BytesIO()
    with po.open("rb") as source:
        write_mo(compiled, read_po(source, locale="en"))
    compiled.seek(0)
    with mo.open("rb") as committed:
        assert messages(read_mo(committed)) == messages(read_mo(compiled)), (
            f"{mo} is out of date: run pybabel compile -d {po.parents[2]}"
        )
