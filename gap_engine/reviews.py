"""Spaced review of bank questions with FSRS (the `fsrs` package): answered badly -> scheduled -> due again.

Every scored answer is a review of its question, rated from its score (/10): below 4 Again, below 6 Hard, below 8.5
Good, else Easy. A question enters the schedule only when it is answered badly (below ENTER_BELOW); once in, every
later answer to it reschedules it, good ones pushing it further out. Learning steps are off: the scheduler works in
days, as a question bank is not a flash-card deck to be drilled minutes apart.

`sync_reviews` makes the schedule catch up with the score cards in storage (each card is applied once: the card's
`last_review` says how far it got), so the schedule is right whichever part of the app stored the answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal

from gap_engine.evidence import as_utc
from gap_engine.models import ReviewDue
from question_bank.loader import Bank
from tutor.records import ReviewState, StoredScoreCard
from tutor.storage import Storage

if TYPE_CHECKING:
    from fsrs import Rating, Scheduler

ENTER_BELOW = 6.0  # an answer scoring under this puts its question on the review schedule
RatingName = Literal["again", "hard", "good", "easy"]


def rating_name(overall: float) -> RatingName:
    if overall < 4.0:
        return "again"
    if overall < 6.0:
        return "hard"
    if overall < 8.5:
        return "good"
    return "easy"


def _rating(name: RatingName) -> Rating:
    from fsrs import Rating

    return {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}[name]


_scheduler: Scheduler | None = None


def scheduler() -> Scheduler:
    global _scheduler
    if _scheduler is None:
        from fsrs import Scheduler

        _scheduler = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    return _scheduler


def _card_id(item_id: str) -> int:
    """A stable card id per question (fsrs would otherwise use the clock and sleep 1 ms per new card)."""
    return int.from_bytes(hashlib.sha256(item_id.encode()).digest()[:6], "big")


def review(state: ReviewState | None, item_id: str, overall: float, when: datetime) -> ReviewState | None:
    """The schedule after one scored answer: None when the question is not (and does not need to be) scheduled."""
    from fsrs import Card

    if state is None and overall >= ENTER_BELOW:
        return None
    moment = as_utc(when).astimezone(UTC)
    card = Card.from_dict(state.card) if state is not None else Card(card_id=_card_id(item_id), due=moment)  # type: ignore[arg-type]
    name = rating_name(overall)
    card, _log = scheduler().review_card(card, _rating(name), review_datetime=moment)
    reviews = int(state.card.get("reviews", 0)) + 1 if state is not None else 1
    data: dict[str, Any] = {**card.to_dict(), "last_rating": name, "last_score": overall, "reviews": reviews}
    return ReviewState(item_id=item_id, card=data, due_at=card.due.astimezone(UTC), updated_at=moment)


def record_answer(storage: Storage, item_id: str, overall: float, when: datetime | None = None) -> ReviewState | None:
    """Call on every scored answer; stores and returns the new schedule of the question (None: not scheduled)."""
    when = when or datetime.now(UTC)
    current = {state.item_id: state for state in storage.review_states()}.get(item_id)
    updated = review(current, item_id, overall, when)
    if updated is not None:
        storage.save_review(updated)
    return updated


def sync_reviews(storage: Storage, cards: Iterable[StoredScoreCard] | None = None) -> int:
    """Apply every score card the schedule has not seen yet, oldest first; returns how many questions changed."""
    states = {state.item_id: state for state in storage.review_states()}
    changed: dict[str, ReviewState] = {}
    ordered = sorted(cards if cards is not None else storage.score_cards(), key=lambda stored: as_utc(stored.created_at))
    for stored in ordered:
        item_id = stored.card.item_id
        when = as_utc(stored.created_at)
        state = states.get(item_id)
        if state is not None and not _after_last_review(state, when):
            continue
        updated = review(state, item_id, stored.card.overall, when)
        if updated is not None:
            states[item_id] = changed[item_id] = updated
    if changed:
        storage.save_reviews(list(changed.values()))
    return len(changed)


def _after_last_review(state: ReviewState, when: datetime) -> bool:
    last = state.card.get("last_review")
    return last is None or when > as_utc(datetime.fromisoformat(last))


def end_of_day(now: datetime) -> datetime:
    """The last moment of `now`'s calendar day (in now's own time zone), in UTC."""
    local = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo).astimezone(UTC) \
        - timedelta(microseconds=1)


def due_today(storage: Storage, now: datetime | None = None) -> list[ReviewState]:
    """Questions due by the end of today, most overdue first."""
    now = now or datetime.now(UTC)
    return storage.reviews_due(end_of_day(now))


def due_rows(states: Iterable[ReviewState], bank: Bank, now: datetime) -> list[ReviewDue]:
    rows = []
    for state in states:
        if state.item_id not in bank.questions:
            continue
        due = as_utc(state.due_at)
        last_rating = state.card.get("last_rating")
        stability = state.card.get("stability")
        rows.append(ReviewDue(item_id=state.item_id, title=bank.get(state.item_id).title, due_at=due,
                              overdue_days=max((as_utc(now) - due).total_seconds() / 86400, 0.0),
                              last_rating=last_rating if last_rating in ("again", "hard", "good", "easy") else None,
                              last_score=state.card.get("last_score"),
                              stability_days=float(stability) if stability is not None else None))
    return sorted(rows, key=lambda row: row.due_at)
