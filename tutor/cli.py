"""The ``tutor`` command: the app with no arguments, scripting subcommands otherwise."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tutor import bank_cli, config_cli, judge_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Mock interviews, CUDA practice and gap reports for GPU / CUDA / ML-infrastructure interviews.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    bank_cli.add_commands(commands)
    config_cli.add_commands(commands)
    judge_cli.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _start_app(parser)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _start_app(parser: argparse.ArgumentParser) -> int:
    print("The full-screen app is not built yet. What works today:\n", file=sys.stderr)
    parser.print_help(sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
