"""``tutor report``: offline, over a real database with a few stored score cards; files written, secrets kept out."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from gap_engine.render import json_schema, to_html, to_json, to_markdown
from question_bank.loader import Bank
from rubrics.scorecard import HireSignal, PointScore, ScoreCard
from tutor.cli import main
from tutor.config import load_settings
from tutor.records import Answer, AnswerStatus, JudgeRun
from tutor.storage import Storage

FAKE_KEY = "sk-ant-api03-FAKE-KEY-never-to-be-exported-0123456789"
HOSTILE = "<script>alert('gap')</script>"


def _seed_history(bank: Bank) -> None:
    """Three scored answers (one with hostile text in the scorer's note) and two judge runs, in the isolated TUTOR_HOME."""
    settings, _ = load_settings()
    storage = Storage(settings.database_path)
    now = datetime.now(UTC)
    text_items = [question for question in bank if question.cuda is None and question.category.value == "cuda_performance"]
    for number, (question, fraction) in enumerate(zip(text_items[:3], (0.2, 0.5, 0.9), strict=True)):
        when = now - timedelta(days=3 - number)
        answer = storage.save_answer(Answer(item_id=question.id, text=f"my answer {HOSTILE}", status=AnswerStatus.SUBMITTED,
                                            seconds_spent=300, submitted_at=when))
        points = [PointScore(point_id=point.id, score=fraction, quote=HOSTILE, missing=f"say more {HOSTILE}")
                  for point in question.rubric]
        storage.add_score_card(ScoreCard(item_id=question.id, scorer="embedding", points=points, overall=10 * fraction,
                                         hire_signal=HireSignal.NO, feedback=HOSTILE), answer.id, created_at=when)
    for passed in (False, True):
        storage.add_judge_run(JudgeRun(problem_id="cuda.vector-add", source_hash=f"h{passed}", passed=passed,
                                       verdict="passed" if passed else "wrong_answer", report={"summary": "synthetic"},
                                       created_at=now - timedelta(hours=2 - passed)))
    storage.close()


def _no_leak(text: str) -> None:
    assert FAKE_KEY not in text and FAKE_KEY[-12:] not in text
    assert os.environ["TUTOR_HOME"] not in text


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key in the config file and in the environment, as a real user might have (offline, so nothing is called)."""
    home = Path(os.environ["TUTOR_HOME"])
    (home / "config.toml").write_text(f'anthropic_api_key = "{FAKE_KEY}"\nprovider = "offline"\n', encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)


def test_without_history_the_report_says_what_to_do_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "# Gap report:" in out and "Nothing has been tested yet" in out and "`tutor interview`" in out


def test_writes_markdown_html_and_json_files(bank: Bank, tmp_path: Path, secrets: None,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _seed_history(bank)
    markdown, page, data = tmp_path / "out" / "gap.md", tmp_path / "out" / "deeper" / "gap.html", tmp_path / "gap.json"
    assert main(["report", "--out", str(markdown)]) == 0
    assert main(["report", "--format", "html", "--out", str(page)]) == 0
    assert main(["report", "--out", str(data)]) == 0  # the .json suffix picks the format
    assert "Wrote" in capsys.readouterr().err

    text = markdown.read_text(encoding="utf-8")
    assert "## What to study next" in text and "Answers scored: 3" in text and "judge runs: 2" in text
    document = page.read_text(encoding="utf-8")
    HTMLParser().feed(document)
    assert "<script" not in document and "http://" not in document and "https://" not in document
    exported = json.loads(data.read_text(encoding="utf-8"))
    jsonschema.validate(exported, json_schema(), cls=jsonschema.Draft202012Validator)
    assert exported["learner"]["answers_scored"] == 3 and exported["progress"]["cuda_attempted"] == 1
    for written in (text, document, json.dumps(exported)):
        _no_leak(written)


def test_the_report_itself_holds_no_key_or_path(bank: Bank, secrets: None) -> None:
    """Before the CLI's redaction guard: what build_report puts in the report is clean on its own."""
    from gap_engine.report import build_report

    _seed_history(bank)
    settings, _ = load_settings()
    storage = Storage(settings.database_path)
    report = build_report(storage, bank)
    storage.close()
    for render in (to_markdown, to_html, to_json):
        _no_leak(render(report))
    assert HOSTILE not in to_html(report)


def test_out_must_be_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--out", str(tmp_path)]) == 1
    assert f"--out {tmp_path} is a directory; give a file name" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path / "new-folder") + "/"]) == 1
    assert "is a directory" in capsys.readouterr().err
    assert not (tmp_path / "new-folder").exists()


def test_schema_option_prints_the_published_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()
    assert main(["report", "--schema", "--out", str(tmp_path / "schema.json")]) == 0
    assert json.loads((tmp_path / "schema.json").read_text(encoding="utf-8")) == json_schema()


def test_a_damaged_database_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    settings, _ = load_settings()
    settings.database_path.parent.mkdir(parents=True, exist_ok=True)
    settings.database_path.write_text("not a database", encoding="utf-8")
    assert main(["report"]) == 1
    assert "is not a gpu-interview-tutor database" in capsys.readouterr().err


def test_the_export_guard_redacts_keys_and_local_paths(secrets: None) -> None:
    from tutor.report_cli import REDACTED, redact

    settings, _ = load_settings()
    leaky = f"db at {settings.database_path}; key {FAKE_KEY}; home {os.environ['TUTOR_HOME']}"
    cleaned = redact(leaky, settings)
    _no_leak(cleaned)
    assert cleaned.count(REDACTED) == 3 and cleaned.startswith("db at [redacted]/tutor.db; key [redacted]")
