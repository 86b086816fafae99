"""Progress data for the dashboard and the report: scores over time, CUDA problems solved, streak, time spent, weeks.

Everything is read from storage; days and weeks are counted in the time zone of the ``now`` passed in (UTC unless the
caller passes a local time), so "today" is the learner's today.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from gap_engine.models import Progress, ScorePoint, SessionPoint, SolvedCount, WeekActivity
from question_bank.loader import Bank
from tutor.records import Answer, AnswerStatus, JudgeRun, ScoreSummary, Session, SessionStatus
from tutor.storage import Storage

# The tracker of 003_* counts problems by kind ("Basic", "Reduction", "Matrix Ops", "Advanced"); the bank's thirty
# problems are grouped the same way, with the advanced ones split into the two kinds interviews ask about.
CUDA_GROUPS: dict[str, str] = {
    "cuda.vector-add": "Basic", "cuda.gelu-tanh": "Basic", "cuda.silu-and-mul": "Basic",
    "cuda.embedding-gather": "Basic", "cuda.histogram": "Basic", "cuda.rope": "Basic", "cuda.kv-cache-write": "Basic",
    "cuda.reduction-sum": "Reduction", "cuda.dot-product": "Reduction", "cuda.prefix-scan": "Reduction",
    "cuda.argmax-rows": "Reduction", "cuda.softmax": "Reduction", "cuda.layernorm": "Reduction",
    "cuda.rmsnorm": "Reduction", "cuda.fused-add-rmsnorm": "Reduction", "cuda.cross-entropy": "Reduction",
    "cuda.matrix-transpose": "Matrix Ops", "cuda.sgemm-tiled": "Matrix Ops", "cuda.gemv-fp16": "Matrix Ops",
    "cuda.hgemm-tensor-core": "Matrix Ops",
    "cuda.fp8-quantize": "Quantization", "cuda.int8-dequantize": "Quantization",
    "cuda.int8-quantize-per-token": "Quantization", "cuda.int8-gemm-scaled": "Quantization",
    "cuda.w4a16-gemv": "Quantization",
    "cuda.flash-attention-forward": "Attention & Sampling", "cuda.paged-attention-decode": "Attention & Sampling",
    "cuda.top-k": "Attention & Sampling", "cuda.top-p-sampling": "Attention & Sampling",
    "cuda.moe-gating-topk": "Attention & Sampling",
}
GROUP_ORDER = ("Basic", "Reduction", "Matrix Ops", "Quantization", "Attention & Sampling", "Other")
DIFFICULTY_ORDER = ("easy", "medium", "hard")

# A session left open over a weekend must not count as 60 hours of study: its wall-clock time is capped.
SESSION_CAP = timedelta(hours=4)
EVERY_ROW = 10_000_000


def cuda_group(item_id: str) -> str:
    return CUDA_GROUPS.get(item_id, "Other")


def progress(storage: Storage, bank: Bank, now: datetime | None = None) -> Progress:
    now = now or datetime.now(UTC)
    zone = now.tzinfo or UTC
    sessions = {session.id: session for session in storage.sessions(limit=EVERY_ROW)}
    answers = storage.answers()
    answer_by_id = {answer.id: answer for answer in answers if answer.id is not None}
    submitted = [answer for answer in answers if answer.status == AnswerStatus.SUBMITTED]
    runs = [run for run in storage.judge_runs() if run.problem_id in bank.questions]
    cards = _latest_cards([card for card in storage.score_summaries() if card.item_id in bank.questions])

    days_seen: dict[datetime, date] = {}

    def day(moment: datetime) -> date:
        if moment not in days_seen:
            days_seen[moment] = _aware(moment).astimezone(zone).date()
        return days_seen[moment]

    scores = [_score_point(card, answer_by_id, sessions) for card in cards]
    first_solved = _first_solved(runs)
    session_minutes = _session_minutes(sessions.values(), answers)
    loose_minutes = sum(answer.seconds_spent for answer in answers if answer.session_id not in sessions) / 60.0
    activity = [*(_submitted_at(answer) for answer in submitted), *(run.created_at for run in runs)]
    active = {day(moment) for moment in activity}
    session_scores = _session_points(scores, sessions, session_minutes)
    return Progress(
        scores_over_time=scores,
        mock_scores=_mock_scores(session_scores),
        cuda_solved=_solved_counts(bank, set(first_solved)),
        streak_days=_streak(active, now.astimezone(zone).date()),
        active_days=len(active),
        minutes_spent=round(sum(session_minutes.values()) + loose_minutes, 1),
        answers_submitted=len(submitted),
        sessions_finished=sum(session.status == SessionStatus.FINISHED for session in sessions.values()),
        session_scores=session_scores,
        weeks=_weeks(submitted, runs, scores, first_solved, sessions, session_minutes, day),
        judge_runs=len(runs),
        cuda_attempted=len({run.problem_id for run in runs}),
    )


def _aware(moment: datetime) -> datetime:
    """Stored times are UTC; a naive one (written by hand or by an old version) is read as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _submitted_at(answer: Answer) -> datetime:
    return answer.submitted_at or answer.updated_at


def _latest_cards(cards: list[ScoreSummary]) -> list[ScoreSummary]:
    """One card per answer (a re-scored answer counts once, with its newest card), oldest first."""
    latest: dict[int | str, ScoreSummary] = {}
    for number, stored in enumerate(cards):  # storage returns them by creation time
        key: int | str = stored.answer_id if stored.answer_id is not None else f"loose-{number}"
        latest[key] = stored
    return sorted(latest.values(), key=lambda stored: _aware(stored.created_at))


def _score_point(stored: ScoreSummary, answers: dict[int, Answer], sessions: dict[str, Session]) -> ScorePoint:
    answer = answers.get(stored.answer_id) if stored.answer_id is not None else None
    session = sessions.get(answer.session_id) if answer and answer.session_id else None
    return ScorePoint(when=_aware(stored.created_at), item_id=stored.item_id, overall=stored.overall,
                      session_id=session.id if session else None, kind=session.kind if session else "practice")


def _first_solved(runs: list[JudgeRun]) -> dict[str, datetime]:
    """Problem id -> when it first passed; a problem counts solved once, however often it passes again."""
    solved: dict[str, datetime] = {}
    for run in runs:
        when = _aware(run.created_at)
        if run.passed and (run.problem_id not in solved or when < solved[run.problem_id]):
            solved[run.problem_id] = when
    return solved


def _solved_counts(bank: Bank, solved: set[str]) -> list[SolvedCount]:
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for question in bank:
        if question.cuda is None:
            continue
        counts = totals[(cuda_group(question.id), question.difficulty.value)]
        counts[0] += question.id in solved
        counts[1] += 1
    ordered = sorted(totals.items(), key=lambda entry: (GROUP_ORDER.index(entry[0][0]), DIFFICULTY_ORDER.index(entry[0][1])))
    return [SolvedCount(group=group, difficulty=difficulty, solved=solved_count, total=total)  # type: ignore[arg-type]
            for (group, difficulty), (solved_count, total) in ordered]


def _streak(active: set[date], today: date) -> int:
    """Consecutive active days ending today, or ending yesterday (today is not over yet)."""
    if today in active:
        cursor = today
    elif today - timedelta(days=1) in active:
        cursor = today - timedelta(days=1)
    else:
        return 0
    streak = 0
    while cursor in active:
        streak += 1
        cursor -= timedelta(days=1)
    return streak


def _session_minutes(sessions: Iterable[Session], answers: list[Answer]) -> dict[str, float]:
    """Minutes per session: its wall-clock span (capped), or the time its answers record if that is more."""
    answered: dict[str, float] = defaultdict(float)
    for answer in answers:
        if answer.session_id:
            answered[answer.session_id] += answer.seconds_spent
    minutes = {}
    for session in sessions:
        end = _aware(session.finished_at or session.updated_at)
        span = min(max(end - _aware(session.started_at), timedelta(0)), SESSION_CAP)
        minutes[session.id] = max(span.total_seconds(), answered[session.id]) / 60.0
    return minutes


def _mock_scores(session_scores: list[SessionPoint]) -> list[ScorePoint]:
    """One point per finished mock interview: the average of its answers; ``item_id`` carries the interview format."""
    return [ScorePoint(when=point.when, item_id=point.format or "interview", overall=point.overall,
                       session_id=point.session_id, kind="interview")
            for point in session_scores if point.kind == "interview" and point.status == SessionStatus.FINISHED.value]


def _session_points(scores: list[ScorePoint], sessions: dict[str, Session], minutes: dict[str, float]) -> list[SessionPoint]:
    by_session: dict[str, list[ScorePoint]] = defaultdict(list)
    for point in scores:
        if point.session_id:
            by_session[point.session_id].append(point)
    result = []
    for session_id, points in by_session.items():
        session = sessions[session_id]
        result.append(SessionPoint(
            session_id=session_id, when=_aware(session.finished_at or session.updated_at), kind=session.kind,
            format=session.format, status=session.status.value,
            overall=round(sum(p.overall for p in points) / len(points), 2), answers_scored=len(points),
            minutes=round(minutes.get(session_id, 0.0), 1)))
    return sorted(result, key=lambda point: point.when)


def _weeks(submitted: list[Answer], runs: list[JudgeRun], scores: list[ScorePoint], first_solved: dict[str, datetime],
           sessions: dict[str, Session], session_minutes: dict[str, float],
           to_day: Callable[[datetime], date]) -> list[WeekActivity]:
    def week_of(moment: datetime) -> date:
        local_day = to_day(moment)
        return local_day - timedelta(days=local_day.weekday())

    days: dict[date, set[date]] = defaultdict(set)
    answer_counts: dict[date, int] = defaultdict(int)
    run_counts: dict[date, int] = defaultdict(int)
    solved_counts: dict[date, int] = defaultdict(int)
    minutes: dict[date, float] = defaultdict(float)
    week_scores: dict[date, list[float]] = defaultdict(list)
    for answer in submitted:
        moment = _submitted_at(answer)
        days[week_of(moment)].add(to_day(moment))
        answer_counts[week_of(moment)] += 1
        if answer.session_id not in sessions:
            minutes[week_of(moment)] += answer.seconds_spent / 60.0
    for run in runs:
        days[week_of(run.created_at)].add(to_day(run.created_at))
        run_counts[week_of(run.created_at)] += 1
    for when in first_solved.values():
        solved_counts[week_of(when)] += 1
    for session_id, session_total in session_minutes.items():
        minutes[week_of(sessions[session_id].started_at)] += session_total
    for point in scores:
        week_scores[week_of(point.when)].append(point.overall)
    seen = set(days) | set(minutes) | set(week_scores)
    if not seen:
        return []
    weeks, cursor = [], min(seen)
    while cursor <= max(seen):
        averaged = week_scores.get(cursor)
        weeks.append(WeekActivity(
            week_start=cursor, active_days=len(days.get(cursor, ())), answers=answer_counts.get(cursor, 0),
            judge_runs=run_counts.get(cursor, 0), cuda_solved=solved_counts.get(cursor, 0),
            minutes=round(minutes.get(cursor, 0.0), 1),
            average_score=round(sum(averaged) / len(averaged), 2) if averaged else None))
        cursor += timedelta(days=7)
    return weeks
