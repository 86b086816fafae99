"""The loaded-bank cache: used when nothing changed, ignored the moment any content file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from question_bank.loader import CONTENT_ROOT, BankError, load_bank


@pytest.fixture
def small_bank(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "questions/core_concepts").mkdir(parents=True)
    (root / "cuda").mkdir()
    shutil.copy(CONTENT_ROOT / "taxonomy.yaml", root)
    shutil.copy(CONTENT_ROOT / "final_assessment.yaml", root)
    shutil.copy(CONTENT_ROOT / "questions/core_concepts/paged-attention.yaml", root / "questions/core_concepts")
    shutil.copytree(CONTENT_ROOT / "cuda/vector-add", root / "cuda/vector-add")
    return root


def test_a_second_load_comes_from_the_cache(small_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_bank(small_bank)
    monkeypatch.setattr("question_bank.loader.read_bank", lambda root: pytest.fail("parsed again"))
    again = load_bank(small_bank)
    assert again.questions == first.questions


def test_an_edit_invalidates_the_cache(small_bank: Path) -> None:
    load_bank(small_bank)
    path = small_bank / "questions/core_concepts/paged-attention.yaml"
    path.write_text(path.read_text().replace("time_budget_minutes: 8", "time_budget_minutes: 9"))
    assert load_bank(small_bank).get("core.paged-attention").time_budget_minutes == 9
    path.write_text(path.read_text().replace("difficulty: medium", "difficulty: impossible"))
    with pytest.raises(BankError):
        load_bank(small_bank)


def test_a_damaged_cache_is_only_a_slower_start(small_bank: Path, tmp_path: Path) -> None:
    load_bank(small_bank)
    caches = list(tmp_path.parent.rglob("bank-*.pickle"))
    assert caches
    for cached in caches:
        cached.write_bytes(b"not a pickle")
    assert len(load_bank(small_bank)) == 2
