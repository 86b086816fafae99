"""``tutor self-assess``: the learner's own 1-5 ratings of the ten components of the progress tracker (003_*)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gap_engine.self_assessment import COMPONENTS, READINESS_AVERAGE, UnknownComponent, set_rating
from tutor.config import ConfigError, load_settings
from tutor.storage import Storage, StorageError


def add_commands(commands: Any) -> None:
    command = commands.add_parser(
        "self-assess", help="rate yourself 1-5 on the ten components; the report compares it with measured mastery")
    verbs = command.add_subparsers(dest="verb", metavar="VERB", required=True)
    setter = verbs.add_parser("set", help="rate one component, e.g. tutor self-assess set \"CUDA Kernels\" 3")
    setter.add_argument("component", help="; ".join(component.name for component in COMPONENTS))
    setter.add_argument("rating", type=int, help="1 (never heard of it) to 5 (could teach it)")
    setter.add_argument("--target", type=int, help="your target, 1-5 (default: the tracker's target for the component)")
    setter.set_defaults(run=_set)
    verbs.add_parser("show", help="your ratings and targets").set_defaults(run=_show)


def _open() -> Storage:
    settings, _ = load_settings()
    return Storage(settings.database_path)


def _set(args: argparse.Namespace) -> int:
    try:
        storage = _open()
        try:
            stored = set_rating(storage, args.component, args.rating, args.target)
        finally:
            storage.close()
    except (UnknownComponent, ValueError, ConfigError, StorageError) as error:
        print(f"tutor self-assess: {error}", file=sys.stderr)
        return 1
    print(f"{stored.component}: {stored.rating}/5 (target {stored.target}).")
    return 0


def _show(args: argparse.Namespace) -> int:
    try:
        storage = _open()
        try:
            ratings = {rating.component: rating for rating in storage.self_ratings()}
        finally:
            storage.close()
    except (ConfigError, StorageError) as error:
        print(f"tutor self-assess: {error}", file=sys.stderr)
        return 1
    width = max(len(component.name) for component in COMPONENTS)
    print(f"{'Component':<{width}}  Rating  Target")
    for component in COMPONENTS:
        stored = ratings.get(component.name)
        rating = f"{stored.rating}/5" if stored else "-"
        print(f"{component.name:<{width}}  {rating:>6}  {stored.target if stored else component.target:>6}")
    rated = [stored.rating for stored in ratings.values()]
    average = f"{sum(rated) / len(rated):.1f}/5 over {len(rated)} rated" if rated else "nothing rated yet"
    print(f"\nOverall average: {average} (the tracker's bar for interview readiness is {READINESS_AVERAGE:.1f}+).")
    print("`tutor report` puts these beside what your answers measure.")
    return 0
