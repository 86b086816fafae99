"""``tutor report``: the gap report as Markdown (default, to stdout), one self-contained HTML file, or JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from question_bank.loader import BankError
from tutor.config import ConfigError, Settings, home_dirs, load_settings
from tutor.storage import Storage, StorageError

FORMATS = ("md", "html", "json")
REDACTED = "[redacted]"


class OutputPathError(ValueError):
    pass


def add_commands(commands: Any) -> None:
    report = commands.add_parser(
        "report", help="the gap report: mastery, what to study next, readiness, progress (md, html or json)",
        description="Builds the gap report from everything stored so far. With no history it says what to do first.")
    report.add_argument("--format", choices=FORMATS, default=None,
                        help="md (default), html (one self-contained file with charts) or json (see --schema)")
    report.add_argument("--out", help="write to this file (parent folders are created) instead of stdout")
    report.add_argument("--role", help="target role preset, e.g. cuda_kernel_engineer (default: the configured target_role)")
    report.add_argument("--schema", action="store_true", help="print the published JSON schema of the report instead")
    report.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        output = _output_path(args.out)
        text = _schema_text() if args.schema else _report_text(args.format or _format_from(output), args.role)
    except (OutputPathError, ConfigError, StorageError, BankError) as error:
        print(f"tutor report: {error}", file=sys.stderr)
        return 1
    if output is None:
        sys.stdout.write(text)
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(output)  # a reader never sees half a report
    print(f"Wrote {output} ({len(text.encode('utf-8')):,} bytes).", file=sys.stderr)
    return 0


def _output_path(given: str | None) -> Path | None:
    if given is None:
        return None
    out = Path(given).expanduser()
    if out.is_dir() or given.endswith(("/", os.sep)):
        raise OutputPathError(f"--out {out} is a directory; give a file name, e.g. {out / 'gap-report.html'}")
    if out.exists() and not out.is_file():
        raise OutputPathError(f"--out {out} exists and is not a regular file")
    return out


def _format_from(output: Path | None) -> str:
    """Without --format, a file name ending in .html or .json picks that format; anything else is Markdown."""
    suffix = output.suffix.lower().lstrip(".") if output else ""
    return {"html": "html", "htm": "html", "json": "json"}.get(suffix, "md")


def _schema_text() -> str:
    from gap_engine.render import json_schema

    return json.dumps(json_schema(), indent=2) + "\n"


def _report_text(report_format: str, role: str | None) -> str:
    from gap_engine.render import to_html, to_json, to_markdown
    from question_bank.loader import load_bank

    settings, _ = load_settings()
    storage = Storage(settings.database_path)
    try:
        from gap_engine.report import build_report
    except ImportError as error:
        storage.close()
        raise ConfigError(f"the gap engine's report builder is not available in this build ({error})") from error
    try:
        report = build_report(storage, load_bank(), role=role or settings.target_role)
    finally:
        storage.close()
    renderer = {"md": to_markdown, "html": to_html, "json": to_json}[report_format]
    return redact(renderer(report), settings)


def redact(text: str, settings: Settings) -> str:
    """The last guard of every export: no API key and no local data or config path leaves in a report."""
    secrets = [value for name, value in os.environ.items() if name.endswith(("_API_KEY", "_TOKEN")) and len(value) >= 8]
    if settings.anthropic_api_key is not None:
        secrets.append(settings.anthropic_api_key.get_secret_value())
    paths = {str(settings.data_dir), *(str(folder) for folder in home_dirs())}
    if os.environ.get("TUTOR_HOME"):
        paths.add(os.environ["TUTOR_HOME"])
    for secret in sorted({*secrets, *(p for p in paths if len(p) > 1)}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
