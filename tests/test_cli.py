from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_tutor_without_arguments_prints_usage_not_a_traceback() -> None:
    result = subprocess.run([sys.executable, "-m", "tutor.cli"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert "bank" in result.stderr and "usage" in result.stderr.lower()


def test_bank_show_prints_the_whole_item(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "show", "core.paged-attention"]) == 0
    out = capsys.readouterr().out
    for heading in ("QUESTION", "MODEL ANSWER", "RUBRIC", "FOLLOW-UPS", "REFERENCES"):
        assert heading in out
    assert "arxiv.org/abs/2309.06180" in out


def test_bank_show_of_an_unknown_id_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "show", "core.nope"]) == 2
    assert capsys.readouterr().err.strip() == "tutor bank show: no bank item with id 'core.nope'"


def test_bank_list_filters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "list", "--category", "cuda_coding", "--difficulty", "easy"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("cuda.")]
    assert lines and all(" easy " in line for line in lines)
    assert main(["bank", "list", "--module", "2"]) == 0
    assert "core.paged-attention" in capsys.readouterr().out


def test_bank_list_with_an_unknown_topic_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "list", "--topic", "m3.nothing"]) == 2
    assert "'m3.nothing' is not a taxonomy topic" in capsys.readouterr().err


def test_bank_stats_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "stats"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\d+ distinct items", out, re.M)
    assert "= 150 points" in out


def test_config_masks_the_api_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    secret = "sk-ant-api03-very-secret-value-1234"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert secret not in out and "very-secret" not in out
    assert "$ANTHROPIC_API_KEY" in out and "anthropic" in out


def test_config_file_errors_name_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text('provider = "anthropic"\nprovder = "x"\n')
    assert main(["config"]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "config.toml") in err and "provder" in err


def test_the_ci_script_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    commands = re.findall(r"```bash\n(.*?)\n```", readme.split("## Two commands")[1].split("\n## ")[0], re.S)
    assert len(commands) == 2, "the README gives exactly two commands"
    assert commands[1] in (REPO / ".ci" / "run").read_text()
