"""The validator names the file, the field and the line of every problem, and the CLI exits non-zero."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from question_bank.loader import CONTENT_ROOT, BankError, load_bank
from question_bank.validate import validate_bank
from tutor.cli import main

EXAMPLE = "questions/core_concepts/paged-attention.yaml"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the real content tree to break."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_ROOT, root)
    return root


def messages(root: Path) -> list[str]:
    return [str(issue) for issue in validate_bank(root)]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_number(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_the_real_bank_is_valid() -> None:
    assert messages(CONTENT_ROOT) == []


def test_a_bad_enum_value_names_file_field_and_line(content: Path) -> None:
    path = content / EXAMPLE
    edit(path, "difficulty: medium", "difficulty: impossible")
    found = [m for m in messages(content) if EXAMPLE in m]
    assert found and f"{path}:{line_number(path, 'difficulty: impossible')}: difficulty:" in found[0]


def test_a_missing_field_is_named(content: Path) -> None:
    path = content / EXAMPLE
    text = path.read_text()
    start = text.index("time_budget_minutes:")
    path.write_text(text[:start] + text[text.index("\n", start) + 1:])
    assert any("time_budget_minutes: Field required" in m for m in messages(content))


def test_a_nested_error_points_at_the_rubric_line(content: Path) -> None:
    path = content / EXAMPLE
    edit(path, "    weight: 3\n    key_concepts: [fixed-size blocks", "    weight: -1\n    key_concepts: [fixed-size blocks")
    found = [m for m in messages(content) if "rubric[1].weight" in m]
    assert found and f":{line_number(path, 'weight: -1')}:" in found[0]


def test_an_unknown_topic_is_an_error(content: Path) -> None:
    path = content / EXAMPLE
    edit(path, "topics: [m2.pagedattention-virtual-vs-physical-blocks", "topics: [m2.no-such-topic")
    found = [m for m in messages(content) if "topics[0]" in m]
    assert found and "'m2.no-such-topic' is not a topic of the taxonomy" in found[0]
    assert f":{line_number(path, 'm2.no-such-topic')}:" in found[0]


def test_a_misspelt_key_is_an_error_not_a_lost_value(content: Path) -> None:
    edit(content / EXAMPLE, "time_budget_minutes: 8", "time_budget_minutes: 8\ntime_budget_minutse: 9")
    assert any("time_budget_minutse: Extra inputs are not permitted" in m for m in messages(content))


def test_follow_ups_must_probe_real_rubric_points(content: Path) -> None:
    edit(content / EXAMPLE, "probes: [costs]", "probes: [cost]")
    assert any("unknown rubric points ['cost']" in m for m in messages(content))


def test_duplicate_ids_name_both_files(content: Path) -> None:
    copy = content / "questions/core_concepts/paged-attention-copy.yaml"
    shutil.copy(content / EXAMPLE, copy)
    found = [m for m in messages(content) if "also used by" in m]
    assert found and "paged-attention" in found[0] and "id:" in found[0]


def test_broken_yaml_names_the_line(content: Path) -> None:
    path = content / EXAMPLE
    edit(path, "title: PagedAttention and the problem it solves", "title: [unclosed")
    found = [m for m in messages(content) if "not valid YAML" in m]
    assert found and str(path) in found[0]


def test_a_category_folder_mismatch_is_an_error(content: Path) -> None:
    edit(content / EXAMPLE, "category: core_concepts", "category: architecture")
    assert any("is in folder 'core_concepts' but says category 'architecture'" in m for m in messages(content))


def test_an_incomplete_cuda_folder_is_named(content: Path) -> None:
    (content / "cuda/vector-add/naive.cu").unlink()
    assert any("cuda/vector-add" in m and "lacks naive.cu" in m for m in messages(content))


def test_a_solve_signature_that_disagrees_with_problem_yaml(content: Path) -> None:
    edit(content / "cuda/vector-add/optimized.cu", 'void solve(const float* a, const float* b, float* c, int n)',
         'void solve(const float* a, const float* b, float* out, int n)')
    assert any("optimized.cu" in m and "solve takes ['a', 'b', 'out', 'n']" in m for m in messages(content))


def test_a_size_expression_with_an_unknown_name(content: Path) -> None:
    edit(content / "cuda/vector-add/problem.yaml", "a: {shape: [n]}", "a: {shape: [rows]}")
    assert any("not size parameters: ['rows']" in m for m in messages(content))


def test_the_final_assessment_must_add_up_to_150(content: Path) -> None:
    edit(content / "final_assessment.yaml", "{label: Q20, item: core.prefix-caching, points: 4}",
         "{label: Q20, item: core.prefix-caching, points: 5}")
    assert any("not 150" in m for m in messages(content))


def test_load_bank_raises_with_every_problem(content: Path) -> None:
    edit(content / EXAMPLE, "difficulty: medium", "difficulty: impossible")
    with pytest.raises(BankError, match="difficulty"):
        load_bank(content)


def test_tutor_bank_validate_exits_non_zero_on_a_broken_bank(content: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    edit(content / EXAMPLE, "difficulty: medium", "difficulty: impossible")
    monkeypatch.setattr("tutor.bank_cli.CONTENT_ROOT", content)
    assert main(["bank", "validate"]) == 1
    assert f"{content / EXAMPLE}:" in capsys.readouterr().err
