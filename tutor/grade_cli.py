"""``tutor grade QUESTION_ID --answer-file F``: grade an answer from the shell, as a card or as JSON.

Scripting only: nothing is written to the database unless ``--save`` is given.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from tutor.config import ConfigError, load_settings


def add_commands(commands: Any) -> None:
    grade = commands.add_parser("grade", help="grade a written answer against a bank item's rubric")
    grade.add_argument("question_id", help="e.g. core.paged-attention (see `tutor bank list`)")
    grade.add_argument("--answer-file", type=Path, required=True, help="text file with the answer ('-' for stdin)")
    grade.add_argument("--offline", action="store_true", help="use the embedding grader even when an LLM is configured")
    grade.add_argument("--json", action="store_true", help="print the score card as JSON")
    grade.add_argument("--hints", type=int, default=0, help="hints used (each costs points)")
    grade.add_argument("--save", action="store_true", help="also store the score card in the database")
    grade.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from question_bank.loader import load_bank

    try:
        settings, _ = load_settings()
    except ConfigError as error:
        print(f"tutor grade: {error}", file=sys.stderr)
        return 1
    bank = load_bank()
    if args.question_id not in bank.questions:
        close = difflib.get_close_matches(args.question_id, list(bank.questions), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `tutor bank list`."
        print(f"tutor grade: no bank item with id '{args.question_id}'.{hint}", file=sys.stderr)
        return 2
    try:
        answer = sys.stdin.read() if str(args.answer_file) == "-" else args.answer_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        print(f"tutor grade: cannot read answer file {args.answer_file}: {reason}", file=sys.stderr)
        return 2
    if not answer.strip():
        print(f"tutor grade: the answer file {args.answer_file} is empty", file=sys.stderr)
        return 2
    if args.hints < 0:
        print("tutor grade: --hints must be 0 or more", file=sys.stderr)
        return 2
    card = _grade(settings, bank.get(args.question_id), answer, offline=args.offline, hints=args.hints, save=args.save)
    print(card.model_dump_json(indent=2) if args.json else render_card(card))
    return 0


def _grade(settings: Any, question: Any, answer: str, *, offline: bool, hints: int, save: bool) -> Any:
    from gap_engine.embeddings import shared_embedder
    from rubrics.scoring import score_answer
    from tutor.storage import Storage

    storage = Storage(settings.database_path) if save else None
    llm = None
    if not offline:
        from tutor.llm import LLM

        llm = LLM.from_settings(settings)
        if not llm.online:
            print(f"tutor grade: {llm.status_line}", file=sys.stderr)
    card = score_answer(question, answer, llm=llm, embedder=shared_embedder(storage), hints_used=hints)
    if storage is not None:
        stored = storage.add_score_card(card, answer_id=None)
        print(f"tutor grade: saved score card #{stored.id}", file=sys.stderr)
    return card


def render_card(card: Any) -> str:
    lines = [f"{card.item_id}: {card.overall:.1f}/10  {card.hire_signal.value.replace('_', ' ')}  "
             f"({card.scorer}, {card.model or '-'})"]
    if card.flags:
        lines.append("flags: " + ", ".join(card.flags))
    lines.append("")
    for point in card.points:
        lines.append(f"  {point.point_id:<32}{point.score:>5.2f}")
        if point.quote:
            lines.append(f'      quote: "{point.quote}"')
        if point.missing:
            lines.append(f"      missing: {point.missing}")
        for claim in point.misconceptions:
            lines.append(f"      misconception: {claim}")
    lines += ["", card.feedback]
    return "\n".join(lines)
