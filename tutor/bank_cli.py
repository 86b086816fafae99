"""``tutor bank ...``: validate, list, show and count the question bank."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from question_bank.loader import CONTENT_ROOT, BankError, load_bank
from question_bank.models import Category, Difficulty, PersonaId, Question
from question_bank.query import Filter, select
from question_bank.validate import validate_bank


def add_commands(commands: Any) -> None:
    bank = commands.add_parser("bank", help="validate, list, show and count the question bank")
    verbs = bank.add_subparsers(dest="verb", metavar="VERB", required=True)

    verbs.add_parser("validate", help="check every content file; non-zero exit on any problem").set_defaults(
        run=_validate)

    listing = verbs.add_parser("list", help="list items, optionally filtered")
    listing.add_argument("--category", choices=[c.value for c in Category])
    listing.add_argument("--difficulty", choices=[d.value for d in Difficulty])
    listing.add_argument("--topic", help="a taxonomy topic id, e.g. m3.occupancy-optimization-and-resource-limits")
    listing.add_argument("--module", help="a module id (m1..m9) or number")
    listing.add_argument("--persona", choices=[p.value for p in PersonaId])
    listing.set_defaults(run=_list)

    show = verbs.add_parser("show", help="print one item in full")
    show.add_argument("id")
    show.set_defaults(run=_show)

    verbs.add_parser("stats", help="counts by category, difficulty and module").set_defaults(run=_stats)


def _validate(args: argparse.Namespace) -> int:
    issues = validate_bank(CONTENT_ROOT)
    for issue in issues:
        print(issue, file=sys.stderr)
    if issues:
        print(f"\n{len(issues)} problem(s) found.", file=sys.stderr)
        return 1
    bank = load_bank()
    print(f"The bank is valid: {len(bank)} items, {sum(q.cuda is not None for q in bank)} CUDA problems, "
          f"{len(bank.taxonomy.topic_ids())} taxonomy topics.")
    return 0


def _load_or_report() -> Any:
    try:
        return load_bank()
    except BankError as error:
        print(error, file=sys.stderr)
        print("Run `tutor bank validate` for the full list.", file=sys.stderr)
        return None


def _list(args: argparse.Namespace) -> int:
    bank = _load_or_report()
    if bank is None:
        return 1
    try:
        chosen = select(bank, Filter(category=args.category, difficulty=args.difficulty, topic=args.topic,
                                     module=args.module, persona=args.persona))
    except ValueError as error:
        print(f"tutor bank list: {error}", file=sys.stderr)
        return 2
    width = max((len(q.id) for q in chosen), default=2)
    for question in chosen:
        print(f"{question.id:<{width}}  {question.category.value:<23} {question.difficulty.value:<6}  {question.title}")
    print(f"\n{len(chosen)} item(s)")
    return 0


def _show(args: argparse.Namespace) -> int:
    bank = _load_or_report()
    if bank is None:
        return 1
    try:
        question = bank.get(args.id)
    except KeyError as error:
        print(f"tutor bank show: {error.args[0]}", file=sys.stderr)
        return 2
    print(render_question(question))
    return 0


def render_question(question: Question) -> str:
    lines = [
        f"{question.title}  [{question.id}]",
        f"{question.category.value} · {question.difficulty.value} · {question.time_budget_minutes} min · "
        f"personas: {', '.join(p.value for p in question.personas)}",
        f"topics: {', '.join(question.topics)}",
        "",
        "QUESTION",
        question.prompt.strip(),
        "",
        "MODEL ANSWER",
        question.model_answer.strip(),
        "",
        f"RUBRIC (total weight {question.total_weight:g})",
    ]
    for point in question.rubric:
        lines.append(f"  [{point.weight:g}] {point.id}: {point.text}")
        lines.append(f"      key concepts: {', '.join(point.key_concepts)}")
        for misconception in point.misconceptions:
            lines.append(f"      misconception: {misconception.claim} -> {misconception.correction}")
    lines += ["", "FOLLOW-UPS"]
    lines += [f"  - {f.prompt}  (probes {', '.join(f.probes)})" for f in question.follow_ups]
    if question.hints:
        lines += ["", "HINTS"] + [f"  {n}. {hint}" for n, hint in enumerate(question.hints, 1)]
    lines += ["", "REFERENCES"]
    for reference in question.references:
        lines.append(f"  - {reference.title}" + (f" <{reference.url}>" if reference.url else "")
                     + (f"  ({reference.supports})" if reference.supports else ""))
    if question.notes:
        lines += ["", "NOTES", question.notes.strip()]
    return "\n".join(lines)


def _stats(args: argparse.Namespace) -> int:
    bank = _load_or_report()
    if bank is None:
        return 1
    by_category = Counter(q.category.value for q in bank)
    by_difficulty = Counter(q.difficulty.value for q in bank)
    cuda_by_difficulty = Counter(q.difficulty.value for q in bank if q.cuda is not None)
    by_module: Counter[str] = Counter()
    for question in bank:
        for module_id in {bank.taxonomy.module_of(topic).id for topic in question.topics}:
            by_module[module_id] += 1
    print(f"{len(bank)} distinct items\n")
    _table("category", by_category, [c.value for c in Category])
    _table("difficulty", by_difficulty, [d.value for d in Difficulty])
    _table("CUDA problems by difficulty", cuda_by_difficulty, [d.value for d in Difficulty])
    titles = {m.id: f"{m.id} {m.title}" for m in bank.taxonomy.modules}
    _table("module (items tagged with a topic of it)", Counter({titles[k]: v for k, v in by_module.items()}),
           list(titles.values()))
    assessment = bank.final_assessment
    print(f"final assessment '{assessment.title}': "
          + ", ".join(f"{len(p.entries)} x {p.entries[0].points}" for p in assessment.parts if p.entries)
          + f" = {assessment.total_points} points")
    return 0


def _table(title: str, counts: Counter[str], order: list[str]) -> None:
    print(title)
    for key in order:
        print(f"  {key:<44} {counts.get(key, 0):>4}")
    print()
