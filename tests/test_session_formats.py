"""Interview formats: the Module 9 time splits of 002_*, the 150-point assessment of 004_*, and clear file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewers.formats import FORMAT_IDS, FormatError, load_formats, read_formats
from question_bank.loader import Bank
from question_bank.models import Category, PersonaId


def _minutes(format_id: str) -> list[float]:
    return [phase.minutes for phase in load_formats()[format_id].phases]


def test_every_format_is_there() -> None:
    assert set(load_formats()) == set(FORMAT_IDS)


def test_deep_dive_follows_module_9() -> None:
    fmt = load_formats()["deep_dive"]
    # 002_* Module 9: concept 10, code walkthrough 15, debugging 15, optimization 15, Q&A 5-10 (45-60 minutes in all).
    assert _minutes("deep_dive")[:4] == [10, 15, 15, 15]
    qa = fmt.phases[4]
    assert qa.kind == "qa" and 5 <= qa.minutes <= 10
    assert 45 <= fmt.minutes <= 60
    assert [phase.item_personas for phase in fmt.phases[1:4]] == [[PersonaId.CODE_REVIEW], [PersonaId.DEBUGGING],
                                                                  [PersonaId.PERFORMANCE]]


def test_system_design_is_one_question_in_five_stages() -> None:
    fmt = load_formats()["system_design"]
    assert _minutes("system_design") == [5, 10, 20, 10, 10]
    assert fmt.minutes == 55
    assert fmt.phases[0].categories == [Category.SYSTEM_DESIGN] and fmt.phases[0].questions == 1
    assert all(phase.continues and phase.prompt for phase in fmt.phases[1:])


def test_behavioral_is_thirty_minutes_of_four_themes(bank: Bank) -> None:
    fmt = load_formats()["behavioral"]
    assert fmt.minutes == 30
    assert [phase.id for phase in fmt.phases] == ["past-project", "conflict", "leadership", "growth"]
    for phase in fmt.phases:
        assert phase.items, phase.id
        assert all(bank.get(item).category == Category.BEHAVIORAL for item in phase.items)


def test_cuda_coding_is_one_judged_problem_of_about_twenty_minutes() -> None:
    (phase,) = load_formats()["cuda_coding"].phases
    assert phase.kind == "coding" and phase.questions == 1 and phase.minutes == 20
    assert phase.categories == [Category.CUDA_CODING]


def test_full_loop_rounds_each_have_their_own_interviewer() -> None:
    fmt = load_formats()["full_loop"]
    rounds: dict[str, set[PersonaId | None]] = {}
    for phase in fmt.phases:
        assert phase.round is not None and phase.persona is not None
        rounds.setdefault(phase.round, set()).add(phase.persona)
    assert len(rounds) >= 4
    assert {PersonaId.SYSTEM_DESIGN, PersonaId.CUDA_KERNEL, PersonaId.BEHAVIORAL} <= set().union(*rounds.values())
    assert any(phase.kind == "coding" for phase in fmt.phases)


def test_final_assessment_is_the_150_point_test(bank: Bank) -> None:
    fmt = load_formats()["final_assessment"]
    assessment = bank.final_assessment
    assert assessment.total_points == 150
    assert [part.points for part in assessment.parts] == [80, 40, 30]
    assert [phase.assessment_part for phase in fmt.phases] == [0, 1, 2]
    assert [phase.questions for phase in fmt.phases] == [len(part.entries) for part in assessment.parts] == [20, 5, 2]
    assert fmt.minutes == assessment.time_limit_minutes == 60
    assert not any(phase.follow_ups for phase in fmt.phases)
    # The bands of 004_*: 135+ excellent, 120+ good, 105+ fair, below that review fundamentals.
    assert [assessment.band_for(points).min_points for points in (150, 135, 134.9, 120, 105, 104.9, 0)] == \
        [135, 135, 120, 120, 105, 0, 0]


def test_every_named_item_is_in_the_bank(bank: Bank) -> None:
    for fmt in load_formats().values():
        for phase in fmt.phases:
            for item in phase.items:
                bank.get(item)


def test_a_mistake_in_the_formats_file_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "formats.yaml"
    path.write_text(
        "formats:\n"
        "  - id: broken\n"
        "    title: Broken\n"
        "    description: x\n"
        "    default_persona: deep_dive\n"
        "    phases:\n"
        "      - id: one\n"
        "        title: One\n"
        "        minutes: 10\n"
        "        categories: [core_concepts]\n"
        "      - id: two\n"
        "        title: Two\n"
        "        minutes: -3\n"
        "        continues: true\n"
        "        prompt: go on\n", encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        read_formats(path)
    message = str(caught.value)
    assert f"{path}:13: formats[0].phases[1].minutes" in message


def test_a_stage_phase_cannot_bring_its_own_questions(tmp_path: Path) -> None:
    path = tmp_path / "formats.yaml"
    path.write_text(
        "formats:\n"
        "  - id: broken\n"
        "    title: Broken\n"
        "    description: x\n"
        "    default_persona: system_design\n"
        "    phases:\n"
        "      - {id: one, title: One, minutes: 5, categories: [system_design]}\n"
        "      - {id: two, title: Two, minutes: 5, continues: true, prompt: go on, questions: 2}\n", encoding="utf-8")
    with pytest.raises(FormatError, match="continues the previous question"):
        read_formats(path)
