"""FSRS review scheduling of badly answered questions, in a real Storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gap_engine.reviews import due_rows, due_today, rating_name, record_answer, sync_reviews
from question_bank.loader import Bank
from tests.synthetic_learners import record_answer as store_answer
from tutor.storage import Storage

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
ITEM = "core.continuous-batching"


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return Storage(tmp_path / "tutor.db")


@pytest.mark.parametrize(("overall", "name"), [(0.0, "again"), (3.9, "again"), (4.0, "hard"), (5.9, "hard"),
                                               (6.0, "good"), (8.4, "good"), (8.5, "easy"), (10.0, "easy")])
def test_rating_from_score(overall: float, name: str) -> None:
    assert rating_name(overall) == name


def test_only_a_bad_answer_puts_a_question_on_the_schedule(storage: Storage) -> None:
    assert record_answer(storage, ITEM, 8.0, NOW) is None
    assert storage.review_states() == []
    state = record_answer(storage, ITEM, 3.0, NOW)
    assert state is not None and state.card["last_rating"] == "again"
    assert NOW < state.due_at <= NOW + timedelta(days=2)
    assert [s.item_id for s in storage.review_states()] == [ITEM]


def test_due_dates_move_out_as_answers_improve_and_back_in_after_a_lapse(storage: Storage) -> None:
    first = record_answer(storage, ITEM, 3.0, NOW)
    assert first is not None
    when = first.due_at
    intervals = []
    for overall in (7.0, 9.0):  # answered on the day it is due, better each time
        state = record_answer(storage, ITEM, overall, when)
        assert state is not None
        intervals.append(state.due_at - when)
        when = state.due_at
    assert timedelta(days=1) <= intervals[0] < intervals[1]
    lapse = record_answer(storage, ITEM, 2.0, when)
    assert lapse is not None and lapse.due_at - when < intervals[1]
    assert lapse.card["reviews"] == 4


def test_due_today_lists_questions_due_by_the_end_of_the_day(storage: Storage, bank: Bank) -> None:
    state = record_answer(storage, ITEM, 1.0, NOW)
    assert state is not None
    assert due_today(storage, NOW) == []
    due_day = state.due_at.replace(hour=0, minute=1)
    assert [s.item_id for s in due_today(storage, due_day)] == [ITEM]
    rows = due_rows(due_today(storage, state.due_at + timedelta(days=3)), bank, state.due_at + timedelta(days=3))
    assert rows[0].title == bank.get(ITEM).title and rows[0].overdue_days == pytest.approx(3.0)
    assert rows[0].last_rating == "again" and rows[0].last_score == 1.0


def test_sync_applies_each_score_card_once_in_order(storage: Storage, bank: Bank) -> None:
    store_answer(storage, bank, ITEM, 0.2, NOW - timedelta(days=10))
    store_answer(storage, bank, ITEM, 0.9, NOW - timedelta(days=5))
    store_answer(storage, bank, "core.paged-attention", 0.9, NOW - timedelta(days=5))  # good: never scheduled
    assert sync_reviews(storage) == 1
    [state] = storage.review_states()
    assert state.card["reviews"] == 2 and state.card["last_rating"] == "easy"
    assert sync_reviews(storage) == 0  # nothing new
    assert storage.review_states()[0].card == state.card
    store_answer(storage, bank, ITEM, 0.3, NOW)
    assert sync_reviews(storage) == 1
    assert storage.review_states()[0].card["last_rating"] == "again"
