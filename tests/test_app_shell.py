"""The app shell offline: Home with the three jobs, the command palette, Settings, themes, 80x24."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from question_bank.loader import Bank
from tests.app_pilot import make_app, screen_text
from tutor.app import KEPT_SCREENS, SCREENS_BY_NAME, TutorApp, screen_class
from tutor.config import config_path, load_settings
from tutor.services import Services, save_config_values

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("size", [(100, 32), (80, 24)])
async def test_home_shows_the_three_jobs(bank: Bank, size: tuple[int, int]) -> None:
    app = make_app(bank)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert type(app.screen).__name__ == "HomeScreen"
        for job in ("Mock interview", "Practice", "Gap report"):
            assert job in text
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "Nothing answered yet" in text
        assert "LLM" in text and "offline" in text


async def test_home_keys_open_the_jobs(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert type(app.screen).__name__ == "PracticeScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("down", "enter")  # the second job, by arrows and Enter
        await pilot.pause()
        assert type(app.screen).__name__ == "PracticeScreen"


async def test_home_glance_counts_stored_work(bank: Bank) -> None:
    from rubrics.scorecard import HireSignal, ScoreCard
    from tutor.records import Answer

    app = make_app(bank)
    storage = app.services.storage
    item = next(iter(bank)).id
    answer = storage.submit_answer(storage.save_answer(Answer(item_id=item, text="an answer")))
    storage.add_score_card(ScoreCard(item_id=item, scorer="embedding", points=[], overall=6.5,
                                     hire_signal=HireSignal.LEAN_HIRE, feedback="ok"), answer.id)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "6.5" in text
        assert "Streak 1 day" in text


async def test_command_palette_opens_screens(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"open settings")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "SettingsScreen"
        await pilot.press("ctrl+p")
        await pilot.press(*"open practice")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "PracticeScreen"


async def test_command_palette_opens_a_bank_item_by_title(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Memory coalescing")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "QuestionScreen"
        assert app.screen.question.title == "Memory coalescing"  # type: ignore[attr-defined]


async def test_screens_that_need_context_say_how_to_get_there(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        app.action_open("interview")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert any("mock interview set-up" in n.message for n in app._notifications)


def test_every_registered_screen_imports_or_is_reported_missing() -> None:
    from tutor.app import ScreenNotBuilt

    for name in SCREENS_BY_NAME:
        try:
            screen_class(name)
        except ScreenNotBuilt:
            continue


async def test_settings_shows_the_key_masked(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-ant-test-0123456789abcdef-WXYZ"
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    settings, _ = load_settings()
    assert settings.anthropic_api_key == SecretStr(key)
    app = TutorApp(Services(settings, bank=bank, gpu=False), warm_up=False)
    async with app.run_test(size=(100, 32)) as pilot:
        app.action_open("settings")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "ends ...WXYZ" in text
        assert key not in text and key[:20] not in text
        assert "No NVIDIA GPU" in text
        assert str(settings.data_dir) in text or "data directory" in text


async def test_settings_saves_provider_and_model_to_the_config_file(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        app.action_open("settings")
        await pilot.pause()
        app.screen.query_one("#litellm_model").value = "ollama/llama3.1"  # type: ignore[attr-defined]
        app.screen.query_one("#provider").value = "litellm"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
    settings, sources = load_settings()
    assert settings.provider == "litellm" and settings.litellm_model == "ollama/llama3.1"
    assert sources["litellm_model"] == str(config_path())


def test_saving_settings_keeps_other_lines_and_refuses_keys() -> None:
    from tutor.config import ConfigError

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('# mine\nanthropic_api_key = "sk-ant-keep-me-000000"\nprovider = "offline"\n', encoding="utf-8")
    save_config_values({"provider": "auto", "target_role": "ml_infra"})
    text = path.read_text(encoding="utf-8")
    assert "# mine" in text and 'anthropic_api_key = "sk-ant-keep-me-000000"' in text
    assert 'provider = "auto"' in text and 'target_role = "ml_infra"' in text
    with pytest.raises(ConfigError):
        save_config_values({"anthropic_api_key": "x"})
    with pytest.raises(ConfigError, match="provider"):
        save_config_values({"provider": "nonsense"})
    assert 'provider = "auto"' in path.read_text(encoding="utf-8")


async def test_theme_toggles_between_light_and_dark(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.theme
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme != before
        assert app.current_theme.dark == (before == "textual-light")
    assert load_settings()[0].theme == ("light" if before == "textual-dark" else "dark")


async def test_a_broken_config_file_is_a_notification_not_a_crash(bank: Bank) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("provider = [not toml\n", encoding="utf-8")
    app = TutorApp(warm_up=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert any(str(path) in n.message for n in app._notifications)


async def test_settings_lists_the_judges_measured_peaks(bank: Bank) -> None:
    from tutor.judge.models import DevicePeaks

    app = make_app(bank)
    peaks = DevicePeaks(device="NVIDIA H100 80GB HBM3", compute_capability="9.0", sm_count=132, l2_bytes=52428800,
                        dram_bandwidth_gbs=2946.0, fp32_tflops=51.2, fp16_tensor_tflops=680.0, bf16_tensor_tflops=690.0,
                        int8_tensor_tops=1300.0, measured_at="2026-11-22T10:00:00")
    folder = app.services.judge_cache_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "peaks-NVIDIA-H100-80GB-HBM3.json").write_text(peaks.model_dump_json(), encoding="utf-8")
    (folder / "peaks-broken.json").write_text("{not json", encoding="utf-8")
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_open("settings")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.query_one("#peaks").scroll_visible(animate=False)
        await pilot.pause()
        text = screen_text(app)
        assert "NVIDIA H100 80GB" in text and "2,946" in text and "132" in text


async def test_practice_is_kept_with_its_search_between_visits(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_open("practice")
        await app.workers.wait_for_complete()
        await pilot.press(*"softmax")
        await pilot.pause()
        first = app.screen
        await pilot.press("escape", "escape")  # clears the search box, then leaves
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert app.screen is first
        app.open_item("cuda.softmax")
        await pilot.pause()
        app.action_open("practice")  # from deeper down: back to the kept screen, not a second copy
        await pilot.pause()
        assert app.screen is first and [type(s).__name__ for s in app.screen_stack].count("PracticeScreen") == 1


async def test_kept_screens_are_built_off_stage_and_shown_without_a_rebuild(bank: Bank) -> None:
    """The kept screens are composed while Home is idle (through Textual's own mount step, which a Textual upgrade
    could change: this test is what notices), and opening one shows that very instance."""
    settings, _ = load_settings()
    app = TutorApp(Services(settings, bank=bank, gpu=False), warm_up=False, prebuild=True)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(300):
            if "screens_built" in app.steps_done:
                break
            await pilot.pause(0.1)
        assert "screens_built" in app.steps_done
        assert type(app.screen).__name__ == "HomeScreen"  # built behind Home, never shown
        built = {name: app.get_screen(name) for name in KEPT_SCREENS}
        assert all(screen.is_running and screen.query("Footer") for screen in built.values())
        for name, screen in built.items():
            app.action_open(name)
            await pilot.pause()
            assert app.screen is screen
            assert screen.is_current and screen_text(app).strip()  # shown and painted
            app.pop_screen()
            await pilot.pause()
    app.services.close()
