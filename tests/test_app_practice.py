"""Practice offline: search and filters, answering one question (draft autosave and restore, hints, scoring)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import DataTable, Input, Static, TextArea

from question_bank.loader import Bank
from tests.app_pilot import make_app, screen_text, wait_until
from tests.screens_support import shown_text
from tutor.records import AnswerStatus, ReviewState
from tutor.screens.practice import Filters, ItemState, filter_items

pytestmark = pytest.mark.anyio


def table_ids(app: object) -> list[str]:
    table = app.screen.query_one("#items", DataTable)  # type: ignore[attr-defined]
    return [str(row.key.value) for row in table.ordered_rows]


async def open_practice(app: object, pilot: object) -> None:
    app.action_open("practice")  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


def test_filter_items_by_query_category_difficulty_module_and_state(bank: Bank) -> None:
    every = filter_items(bank, Filters(), {})
    assert len(every) == len(bank)
    found = filter_items(bank, Filters(query="memory coalescing"), {})
    assert found[0].title == "Memory coalescing"
    hard_cuda = filter_items(bank, Filters(category="cuda_coding", difficulty="hard"), {})
    assert hard_cuda and all(q.category == "cuda_coding" and q.difficulty == "hard" for q in hard_cuda)
    m3 = filter_items(bank, Filters(module="m3"), {})
    assert m3 and all(any(t.startswith("m3.") for t in q.topics) for q in m3)
    topic = m3[0].topics[0]
    assert all(topic in q.topics for q in filter_items(bank, Filters(topic=topic), {}))
    due = filter_items(bank, Filters(show="due"), {m3[0].id: ItemState(due=True)})
    assert [q.id for q in due] == [m3[0].id]
    assert filter_items(bank, Filters(query="zzqqxxjj"), {}) == []


async def test_typing_filters_the_list(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_practice(app, pilot)
        assert len(table_ids(app)) == len(bank)
        await pilot.press(*"coalescing")
        await pilot.pause()
        shown = table_ids(app)
        assert 0 < len(shown) < len(bank)
        assert bank.get(shown[0]).title == "Memory coalescing"
        assert "Memory coalescing" in screen_text(app)
        app.screen.query_one("#category").value = "cuda_coding"  # type: ignore[attr-defined]
        await pilot.pause()
        assert all(bank.get(item).category == "cuda_coding" for item in table_ids(app))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert len(table_ids(app)) == len(bank)


async def test_due_for_review_filter_uses_the_schedule(bank: Bank) -> None:
    app = make_app(bank)
    item = next(iter(bank)).id
    app.services.storage.save_review(ReviewState(item_id=item, card={}, due_at=datetime.now(UTC) - timedelta(hours=1)))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_practice(app, pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert table_ids(app) == [item]


async def test_enter_opens_a_question_and_the_draft_survives_reopening(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_practice(app, pilot)
        await pilot.press(*"async copy and tma", "enter", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "QuestionScreen"
        item_id = app.screen.question.id  # type: ignore[attr-defined]
        assert item_id == "arch.async-copy-and-tma" and bank.get(item_id).hints
        await pilot.press(*"Adjacent threads should read adjacent addresses.")
        app.screen.save_draft()  # type: ignore[attr-defined]  # what the 3 s timer does
        draft = app.services.storage.latest_draft(item_id)
        assert draft is not None and draft.text == "Adjacent threads should read adjacent addresses."
        await pilot.press("ctrl+g")  # one hint, recorded with the draft
        await pilot.pause()
        await pilot.press(*" More.")
        await pilot.press("escape")  # leaving saves too
        await pilot.pause()
        assert type(app.screen).__name__ == "PracticeScreen"
        draft = app.services.storage.latest_draft(item_id)
        assert draft is not None and draft.text.endswith("More.") and draft.hints_used == 1
        app.open_item(item_id)
        await pilot.pause()
        editor = app.screen.query_one("#answer", TextArea)
        assert editor.text == draft.text
        assert "Hint 1:" in screen_text(app) or app.screen.answer.hints_used == 1  # type: ignore[attr-defined]
    assert len(app.services.storage.answers(item_id)) == 1  # one draft row, updated in place


async def test_one_question_screen_is_refilled_for_each_question_without_mixing_drafts(bank: Bank) -> None:
    app = make_app(bank)
    first, second = bank.get("arch.async-copy-and-tma"), bank.get("cudaperf.memory-coalescing")
    assert first.hints
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_item(first.id)
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"TMA moves tiles.", "ctrl+g")  # a draft and a hint on the first
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        app.open_item(second.id)
        await pilot.pause()
        assert app.screen is screen and screen.question.id == second.id  # type: ignore[attr-defined]
        assert screen.query_one("#answer", TextArea).text == ""
        assert screen.answer.hints_used == 0 and "Hint" not in shown_text(screen.query_one("#hints", Static))  # type: ignore[attr-defined]
        assert second.title in screen_text(app) and first.title[:40] not in screen_text(app)
        await pilot.press(*"Coalesced: one warp, few sectors.", "escape")
        await pilot.pause()
        app.open_item(first.id)
        await pilot.pause()
        assert screen.query_one("#answer", TextArea).text == "TMA moves tiles."
        assert screen.answer.hints_used == 1  # type: ignore[attr-defined]
        assert "Hint 1:" in shown_text(screen.query_one("#hints", Static))
    storage = app.services.storage
    assert [(a.text, a.hints_used) for a in storage.answers(first.id)] == [("TMA moves tiles.", 1)]
    assert [a.text for a in storage.answers(second.id)] == ["Coalesced: one warp, few sectors."]


async def test_answer_is_scored_and_the_card_stored(bank: Bank) -> None:
    pytest.importorskip("rubrics.scoring", reason="the rubric scorer (RUBRICS helper) is not in this tree yet")
    app = make_app(bank)
    question = bank.get("cudaperf.memory-coalescing")
    async with app.run_test(size=(100, 32)) as pilot:
        app.open_item(question.id)
        await pilot.pause()
        app.screen.query_one("#answer", TextArea).load_text(question.model_answer)
        await pilot.press("ctrl+s")
        # The result screen is pushed when scoring ends; its text appears once it has been composed and painted.
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ScoreResultScreen" and "/10" in screen_text(app),
                         seconds=60)
    answers = app.services.storage.answers(question.id, AnswerStatus.SUBMITTED)
    assert len(answers) == 1 and answers[0].text == question.model_answer
    cards = app.services.storage.score_cards(question.id)
    assert len(cards) == 1 and cards[0].answer_id == answers[0].id
    assert cards[0].card.overall >= 6.0  # the model answer itself scores well


async def test_search_box_escape_clears_then_leaves(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_practice(app, pilot)
        await pilot.press(*"gemm")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#search", Input).value == ""
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
