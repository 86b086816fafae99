from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from rubrics.scorecard import HireSignal, PointScore, ScoreCard
from tutor.records import Answer, AnswerStatus, JudgeRun, ReviewState, Session, Turn, now
from tutor.storage import SCHEMA_VERSION, DamagedDatabaseError, NewerSchemaError, Storage, content_hash


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return Storage(tmp_path / "tutor.db")


def test_a_new_file_is_wal_with_foreign_keys_and_the_current_schema(storage: Storage) -> None:
    assert storage.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert storage.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert storage.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {"sessions", "turns", "answers", "judge_runs", "score_cards", "embedding_cache",
            "review_schedule"} <= set(storage.db.table_names())


def test_sessions_turns_and_answers_round_trip(storage: Storage) -> None:
    session = storage.save_session(Session(id="s1", kind="interview", format="deep_dive", persona="deep_dive",
                                           state={"phase": 2, "remaining": 431.5}))
    storage.add_turn(Turn(session_id="s1", seq=0, role="interviewer", text="Explain PagedAttention."))
    storage.add_turn(Turn(session_id="s1", seq=1, role="candidate", text="Blocks of 16 tokens...",
                          item_id="core.paged-attention"))
    assert storage.get_session("s1").state == {"phase": 2, "remaining": 431.5}
    assert storage.get_session("s1").started_at == session.started_at
    assert [t.text for t in storage.turns("s1")] == ["Explain PagedAttention.", "Blocks of 16 tokens..."]
    assert storage.next_turn_seq("s1") == 2

    draft = storage.save_answer(Answer(item_id="core.paged-attention", session_id="s1", text="first words"))
    draft = storage.save_answer(draft.model_copy(update={"text": "first words and more"}))
    assert storage.latest_draft("core.paged-attention", "s1") == draft
    submitted = storage.submit_answer(draft)
    assert storage.get_answer(submitted.id or 0).status == AnswerStatus.SUBMITTED
    assert storage.latest_draft("core.paged-attention", "s1") is None


def test_turn_numbers_are_unique_within_a_session(storage: Storage) -> None:
    storage.save_session(Session(id="s1", kind="interview"))
    storage.add_turn(Turn(session_id="s1", seq=0, role="interviewer", text="a"))
    with pytest.raises(sqlite3.IntegrityError):
        storage.add_turn(Turn(session_id="s1", seq=0, role="candidate", text="b"))


def test_a_turn_needs_its_session(storage: Storage) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        storage.add_turn(Turn(session_id="missing", seq=0, role="interviewer", text="a"))


def test_score_cards_judge_runs_embeddings_and_reviews_round_trip(storage: Storage) -> None:
    card = ScoreCard(item_id="core.paged-attention", scorer="embedding", overall=6.5, hire_signal=HireSignal.LEAN_HIRE,
                     feedback="Add the block-size trade-off.",
                     points=[PointScore(point_id="fragmentation", score=1.0, quote="contiguous reservations")])
    answer = storage.save_answer(Answer(item_id="core.paged-attention", text="x"))
    stored = storage.add_score_card(card, answer.id)
    assert storage.score_cards("core.paged-attention")[0].card == card
    assert stored.id is not None

    run = storage.add_judge_run(JudgeRun(problem_id="cuda.vector-add", source_hash=content_hash("src"), passed=False,
                                         verdict="wrong_answer", report={"cases": [{"n": 31, "ok": False}]}))
    assert storage.judge_runs("cuda.vector-add") == [run]

    storage.cache_embeddings({"h1": b"\x00" * 8, "h2": b"\x01" * 8}, model="all-MiniLM-L6-v2", dim=2)
    assert storage.cached_embeddings(["h1", "h2", "h3"], "all-MiniLM-L6-v2") == {"h1": b"\x00" * 8, "h2": b"\x01" * 8}

    due = ReviewState(item_id="core.preemption", card={"stability": 1.2}, due_at=now() - timedelta(hours=1))
    later = ReviewState(item_id="core.block-table", card={}, due_at=now() + timedelta(days=3))
    storage.save_review(due)
    storage.save_review(later)
    assert [r.item_id for r in storage.reviews_due(now())] == ["core.preemption"]


def test_a_file_from_a_newer_schema_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    Storage(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    before = path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer version"):
        Storage(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    path.write_bytes(b"this is a text file, not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(DamagedDatabaseError, match="not been changed"):
        Storage(path)
    assert path.read_bytes() == before


def test_a_truncated_database_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    storage = Storage(path)
    storage.save_session(Session(id="s1", kind="practice"))
    storage.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    storage.close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * (len(data) - 100))  # header kept, page structure destroyed
    before = path.read_bytes()
    with pytest.raises(DamagedDatabaseError):
        storage = Storage(path)
        storage.sessions()
    assert path.read_bytes() == before


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tutor.records import Answer
    from tutor.storage import Storage

    storage = Storage(Path(sys.argv[1]))
    for number in range(200):
        storage.save_answer(Answer(item_id=f"core.item-{number}", text="committed " * 50))
    storage.db.execute("BEGIN IMMEDIATE")
    for number in range(5000):
        storage.db.execute("INSERT INTO answers (item_id, text, status, updated_at) VALUES (?, ?, 'draft', 'x')",
                           [f"core.uncommitted-{number}", "never committed " * 20])
    print("mid-transaction", flush=True)
    import time
    time.sleep(60)
""")


def test_sigkill_mid_transaction_keeps_every_committed_row(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "mid-transaction"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)

    storage = Storage(path)
    assert storage.integrity_check() == "ok"
    items = {answer.item_id for answer in storage.answers()}
    assert items == {f"core.item-{number}" for number in range(200)}


def test_closing_while_another_thread_queries_waits_for_it_instead_of_crashing(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "tutor.db")
    for number in range(200):
        storage.save_answer(Answer(item_id=f"core.item-{number}", text="draft " * 50))
    ended: list[BaseException] = []

    def keep_reading() -> None:
        try:
            while True:
                storage.answers()
        except BaseException as error:  # the end this test expects: a clear error once the file is closed
            ended.append(error)

    reader = threading.Thread(target=keep_reading)
    reader.start()
    time.sleep(0.2)
    storage.close()
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert len(ended) == 1 and isinstance(ended[0], sqlite3.ProgrammingError), ended
