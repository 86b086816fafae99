"""Mock interview set-up: the six formats, the ten interviewers with their one-liners, the phase plan, surprise me."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Static

from interviewers.formats import load_formats
from interviewers.personas import load_personas
from question_bank.loader import Bank
from tests.screens_support import make_app, shown_text
from tutor.screens.interview_setup import SURPRISE, InterviewSetupScreen

pytestmark = pytest.mark.anyio


async def test_setup_lists_formats_and_personas_and_shows_the_plan(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewSetupScreen)
        formats = screen.query_one("#formats", OptionList)
        assert [formats.get_option_at_index(i).id for i in range(formats.option_count)] == list(load_formats())
        personas = screen.query_one("#personas", OptionList)
        assert personas.option_count == 11
        assert personas.get_option_at_index(0).id == SURPRISE
        for index, persona in enumerate(load_personas().values(), start=1):
            prompt = str(personas.get_option_at_index(index).prompt)
            assert persona.name in prompt and persona.one_liner in prompt

        deep_dive = load_formats()["deep_dive"]
        plan = shown_text(screen.query_one("#plan", Static))
        lines = [line for line in plan.splitlines() if line.strip()]
        assert len(lines) == 1 + len(deep_dive.phases) + 1  # header, phases, total
        for line, phase in zip(lines[1:], deep_dive.phases, strict=False):
            assert phase.title in line and f" {phase.minutes:g} " in line
        assert lines[-1].split()[:2] == ["total", f"{deep_dive.minutes:g}"]
        # The format's own interviewer is proposed until the user picks one.
        assert screen.persona_choice == deep_dive.default_persona.value

        await pilot.press("down")  # system design
        await pilot.pause()
        design = load_formats()["system_design"]
        assert screen.format_id == "system_design"
        assert design.phases[0].title in shown_text(screen.query_one("#plan", Static)).splitlines()[1]
        assert design.title in shown_text(screen.query_one("#format-description", Static))
        assert screen.persona_choice == design.default_persona.value

        await pilot.press("r")  # surprise me
        await pilot.pause()
        assert screen.persona_choice == SURPRISE
        assert screen.chosen_persona() in load_personas()

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, InterviewSetupScreen)


async def test_surprise_me_is_reproducible_with_a_seed(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        picks = set()
        for _ in range(3):
            screen = InterviewSetupScreen(seed=11)
            await app.push_screen(screen)
            await pilot.pause()
            screen.action_surprise()
            picks.add(screen.chosen_persona())
            app.pop_screen()
            await pilot.pause()
        assert len(picks) == 1
