"""One SQLite file holds everything the learner produces. WAL keeps committed rows through a kill; migrations are code.

A file from a newer version of the app, or one that is not a healthy database, is refused and left untouched.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from rubrics.scorecard import ScoreCard
from tutor.records import (
    Answer,
    AnswerStatus,
    JudgeRun,
    LLMUsage,
    ReviewState,
    ScoreSummary,
    SelfRating,
    Session,
    SessionStatus,
    StoredScoreCard,
    Turn,
    now,
)


class StorageError(Exception):
    pass


class NewerSchemaError(StorageError):
    pass


class DamagedDatabaseError(StorageError):
    pass


def _schema_1(db: sqlite_utils.Database) -> None:
    db.execute("""
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            format TEXT,
            persona TEXT,
            status TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT
        )""")
    db.execute("""
        CREATE TABLE turns (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL,
            text TEXT NOT NULL,
            item_id TEXT,
            phase TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        )""")
    db.execute("""
        CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE,
            text TEXT NOT NULL DEFAULT '',
            code TEXT,
            status TEXT NOT NULL,
            hints_used INTEGER NOT NULL DEFAULT 0,
            seconds_spent REAL NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            submitted_at TEXT
        )""")
    db.execute("CREATE INDEX answers_by_item ON answers(item_id, status)")
    db.execute("""
        CREATE TABLE judge_runs (
            id INTEGER PRIMARY KEY,
            problem_id TEXT NOT NULL,
            answer_id INTEGER REFERENCES answers(id) ON DELETE SET NULL,
            source_hash TEXT NOT NULL,
            passed INTEGER NOT NULL,
            verdict TEXT NOT NULL,
            report TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX judge_runs_by_problem ON judge_runs(problem_id, created_at)")
    db.execute("""
        CREATE TABLE score_cards (
            id INTEGER PRIMARY KEY,
            answer_id INTEGER REFERENCES answers(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            scorer TEXT NOT NULL,
            overall REAL NOT NULL,
            card TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX score_cards_by_item ON score_cards(item_id, created_at)")
    db.execute("""
        CREATE TABLE embedding_cache (
            content_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (content_hash, model)
        )""")
    db.execute("""
        CREATE TABLE review_schedule (
            item_id TEXT PRIMARY KEY,
            card TEXT NOT NULL,
            due_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX review_by_due ON review_schedule(due_at)")


def _schema_2(db: sqlite_utils.Database) -> None:
    db.execute("""
        CREATE TABLE self_assessment (
            component TEXT PRIMARY KEY,
            rating INTEGER NOT NULL,
            target INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE llm_usage (
            id INTEGER PRIMARY KEY,
            session_id TEXT,
            purpose TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            cost_usd REAL,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX llm_usage_by_session ON llm_usage(session_id)")


# Migration N brings a file from schema N-1 to N. Append only; never edit a released migration.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_schema_1, _schema_2]
SCHEMA_VERSION = len(MIGRATIONS)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _one_at_a_time(cls: type[Storage]) -> type[Storage]:
    """Every public method of `cls` holds the storage's lock while it runs. One connection serves the app's UI thread
    and its workers; closing it while another thread is inside a query crashes the process (seen when the app quit
    while a start-up step was reading), so `close` waits for the lock too."""
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not callable(method) or name in {"transaction", "close"}:
            continue

        def locked(self: Storage, *args: Any, __method: Callable[..., Any] = method, **kwargs: Any) -> Any:
            with self._lock:
                return __method(self, *args, **kwargs)

        locked.__name__, locked.__doc__, locked.__wrapped__ = name, method.__doc__, method  # type: ignore[attr-defined]
        setattr(cls, name, locked)
    return cls


@_one_at_a_time
class Storage:
    """The typed door to the database: pydantic models in, pydantic models out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._check_header(path)
        connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self.db = sqlite_utils.Database(connection)
        # sqlite-utils otherwise probes for upsert support by creating and dropping a scratch table in the user's file,
        # which races with other threads on this shared connection ("database schema has changed"). Every SQLite
        # Python ships with is newer than 3.24, where ON CONFLICT arrived.
        self.db._supports_on_conflict = sqlite3.sqlite_version_info >= (3, 24, 0)
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise NewerSchemaError(
                    f"{path} was written by a newer version of gpu-interview-tutor (schema {version}; this version "
                    f"knows up to {SCHEMA_VERSION}). Upgrade the app; the file has not been changed.")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate(version)
        except sqlite3.DatabaseError as error:
            connection.close()
            raise DamagedDatabaseError(
                f"{path} cannot be used ({error}). It has not been changed; move it aside to start afresh, or "
                f"restore it from a backup.") from error
        except StorageError:
            connection.close()
            raise

    @staticmethod
    def _check_header(path: Path) -> None:
        """Refuse a non-empty file that is not SQLite before sqlite3 could write anything to it."""
        if not path.exists() or path.stat().st_size == 0:
            return
        with path.open("rb") as handle:
            header = handle.read(16)
        if header != b"SQLite format 3\x00":
            raise DamagedDatabaseError(
                f"{path} is not a gpu-interview-tutor database (not an SQLite file). It has not been changed; "
                f"move it aside or set TUTOR_HOME to use another folder.")

    def _migrate(self, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                MIGRATIONS[number](self.db)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # One connection serves the app's UI thread and its workers: one transaction at a time on it.
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def integrity_check(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])

    def history_mark(self) -> tuple[object, ...]:
        """Changes whenever something the reports read changes: an answer submitted, a score card or judge run added,
        a self-rating saved. Max and count over primary keys and one small table, so a screen can ask it on every
        visit to decide whether to rebuild."""
        return tuple(self.db.execute("""
            SELECT (SELECT count(*) FROM answers WHERE status = ?),
                   (SELECT max(id) FROM score_cards), (SELECT max(id) FROM judge_runs),
                   (SELECT max(updated_at) FROM self_assessment), (SELECT count(*) FROM self_assessment)
        """, [AnswerStatus.SUBMITTED.value]).fetchone())

    # --- sessions and turns ---------------------------------------------------------------------------------

    def save_session(self, session: Session) -> Session:
        session = session.model_copy(update={"updated_at": now()})
        with self.transaction():
            self.db.table("sessions").upsert(_row(session), pk="id")
        return session

    def get_session(self, session_id: str) -> Session:
        try:
            row = self.db.table("sessions").get(session_id)
        except sqlite_utils.db.NotFoundError:
            raise KeyError(f"no session '{session_id}'") from None
        return Session.model_validate(_unrow(row, json_fields=("state",)))

    def sessions(self, status: SessionStatus | None = None, limit: int = 100) -> list[Session]:
        where, args = ("status = ?", [status.value]) if status else (None, [])
        rows = self.db.table("sessions").rows_where(where, args, order_by="updated_at desc", limit=limit)
        return [Session.model_validate(_unrow(row, json_fields=("state",))) for row in rows]

    def add_turn(self, turn: Turn) -> Turn:
        with self.transaction():
            self.db.table("turns").insert(_row(turn))
        return turn

    def next_turn_seq(self, session_id: str) -> int:
        row = self.db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM turns WHERE session_id = ?",
                              [session_id]).fetchone()
        return int(row[0])

    def turns(self, session_id: str) -> list[Turn]:
        rows = self.db.table("turns").rows_where("session_id = ?", [session_id], order_by="seq")
        return [Turn.model_validate(row) for row in rows]

    # --- answers --------------------------------------------------------------------------------------------

    def save_answer(self, answer: Answer) -> Answer:
        """Insert or update; drafts are saved over and over as the user types."""
        answer = answer.model_copy(update={"updated_at": now()})
        with self.transaction():
            row = _row(answer)
            if answer.id is None:
                row.pop("id")
                answer = answer.model_copy(update={"id": self.db.table("answers").insert(row).last_pk})
            else:
                self.db.table("answers").update(answer.id, row)
        return answer

    def submit_answer(self, answer: Answer) -> Answer:
        return self.save_answer(answer.model_copy(update={"status": AnswerStatus.SUBMITTED, "submitted_at": now()}))

    def get_answer(self, answer_id: int) -> Answer:
        try:
            return Answer.model_validate(self.db.table("answers").get(answer_id))
        except sqlite_utils.db.NotFoundError:
            raise KeyError(f"no answer {answer_id}") from None

    def latest_draft(self, item_id: str, session_id: str | None = None) -> Answer | None:
        where = "item_id = ? AND status = ? AND session_id IS ?"
        rows = list(self.db.table("answers").rows_where(where, [item_id, AnswerStatus.DRAFT.value, session_id],
                                                  order_by="updated_at desc", limit=1))
        return Answer.model_validate(rows[0]) if rows else None

    def answers(self, item_id: str | None = None, status: AnswerStatus | None = None) -> list[Answer]:
        clauses, args = [], []
        if item_id is not None:
            clauses.append("item_id = ?")
            args.append(item_id)
        if status is not None:
            clauses.append("status = ?")
            args.append(status.value)
        rows = self.db.table("answers").rows_where(" AND ".join(clauses) or None, args, order_by="updated_at")
        return [Answer.model_validate(row) for row in rows]

    def submitted_answer_context(self) -> dict[int, tuple[int, str | None]]:
        """answer id -> (hints used, session id) of every submitted answer, without building Answer models (the gap
        report reads thousands of them)."""
        rows = self.db.execute("SELECT id, hints_used, session_id FROM answers WHERE status = ?",
                               [AnswerStatus.SUBMITTED.value])
        return {int(answer_id): (int(hints), session_id) for answer_id, hints, session_id in rows}

    # --- judge runs and score cards -------------------------------------------------------------------------

    def add_judge_run(self, run: JudgeRun) -> JudgeRun:
        with self.transaction():
            row = _row(run)
            row.pop("id")
            return run.model_copy(update={"id": self.db.table("judge_runs").insert(row).last_pk})

    def judge_runs(self, problem_id: str | None = None) -> list[JudgeRun]:
        where, args = ("problem_id = ?", [problem_id]) if problem_id else (None, [])
        rows = self.db.table("judge_runs").rows_where(where, args, order_by="created_at")
        return [JudgeRun.model_validate(_unrow(row, json_fields=("report",))) for row in rows]

    def add_score_card(self, card: ScoreCard, answer_id: int | None, created_at: datetime | None = None) -> StoredScoreCard:
        """``created_at`` defaults to now; imports and synthetic histories pass the original time."""
        stored = StoredScoreCard(answer_id=answer_id, card=card, created_at=created_at or now())
        with self.transaction():
            row_id = self.db.table("score_cards").insert({
                "answer_id": answer_id, "item_id": card.item_id, "scorer": card.scorer, "overall": card.overall,
                "card": card.model_dump_json(), "created_at": stored.created_at.isoformat(),
            }).last_pk
        return stored.model_copy(update={"id": row_id})

    def score_cards(self, item_id: str | None = None) -> list[StoredScoreCard]:
        where, args = ("item_id = ?", [item_id]) if item_id else (None, [])
        rows = self.db.table("score_cards").rows_where(where, args, order_by="created_at")
        return [StoredScoreCard(id=row["id"], answer_id=row["answer_id"], card=ScoreCard.model_validate_json(row["card"]),
                                created_at=datetime.fromisoformat(row["created_at"])) for row in rows]

    def score_summaries(self) -> list[ScoreSummary]:
        """Every score card's headline, oldest first; much faster than score_cards() over a long history."""
        rows = self.db.execute("SELECT id, answer_id, item_id, scorer, overall, created_at FROM score_cards "
                               "ORDER BY created_at, id")
        return [ScoreSummary(id=row[0], answer_id=row[1], item_id=row[2], scorer=row[3], overall=row[4],
                             created_at=datetime.fromisoformat(row[5])) for row in rows]

    # --- embeddings and reviews -----------------------------------------------------------------------------

    def cached_embeddings(self, hashes: list[str], model: str) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(hashes), 500):  # stay under SQLite's bound-parameter limit
            chunk = hashes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for content, vector in self.db.execute(
                    f"SELECT content_hash, vector FROM embedding_cache WHERE model = ? AND content_hash IN ({marks})",
                    [model, *chunk]):
                found[content] = vector
        return found

    def cache_embeddings(self, vectors: dict[str, bytes], model: str, dim: int) -> None:
        with self.transaction():
            self.db.table("embedding_cache").upsert_all(
                [{"content_hash": h, "model": model, "dim": dim, "vector": v} for h, v in vectors.items()],
                pk=("content_hash", "model"))

    def save_review(self, review: ReviewState) -> None:
        with self.transaction():
            self.db.table("review_schedule").upsert(_row(review), pk="item_id")

    def reviews_due(self, at: datetime) -> list[ReviewState]:
        rows = self.db.table("review_schedule").rows_where("due_at <= ?", [at.isoformat()], order_by="due_at")
        return [ReviewState.model_validate(_unrow(row, json_fields=("card",))) for row in rows]

    def save_reviews(self, reviews: list[ReviewState]) -> None:
        """Several review states in one transaction (the gap engine catching up on score cards)."""
        with self.transaction():
            self.db.table("review_schedule").upsert_all([_row(review) for review in reviews], pk="item_id")

    def review_states(self) -> list[ReviewState]:
        rows = self.db.table("review_schedule").rows_where(order_by="due_at")
        return [ReviewState.model_validate(_unrow(row, json_fields=("card",))) for row in rows]


    # --- self-assessment and LLM usage ---------------------------------------------------------------------

    def save_self_rating(self, rating: SelfRating) -> None:
        with self.transaction():
            self.db.table("self_assessment").upsert(_row(rating), pk="component")

    def self_ratings(self) -> list[SelfRating]:
        return [SelfRating.model_validate(row) for row in self.db.table("self_assessment").rows_where(order_by="component")]

    def add_llm_usage(self, usage: LLMUsage) -> LLMUsage:
        row = _row(usage)
        row.pop("id")
        with self.transaction():
            row_id = self.db.table("llm_usage").insert(row).last_pk
        return usage.model_copy(update={"id": row_id})

    def llm_usage(self, session_id: str | None = None) -> list[LLMUsage]:
        where, args = ("session_id = ?", [session_id]) if session_id else (None, [])
        return [LLMUsage.model_validate(row) for row in self.db.table("llm_usage").rows_where(where, args, order_by="id")]


def _row(model: Any) -> dict[str, Any]:
    """A model as a database row: datetimes as ISO text, dicts and lists as JSON text."""
    row = model.model_dump(mode="json")
    return {key: json.dumps(value) if isinstance(value, dict | list) else value for key, value in row.items()}


def _unrow(row: dict[str, Any], json_fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: json.loads(value) if key in json_fields and isinstance(value, str) else value
            for key, value in row.items()}
