"""The ``tutor`` command: the app with no arguments, scripting subcommands otherwise."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    # Imported here, not at the top: `tutor` with no arguments opens the app without paying for these modules.
    from tutor import bank_cli, config_cli, grade_cli, interview_cli, judge_cli, report_cli, selfassess_cli

    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Mock interviews, CUDA practice and gap reports for GPU / CUDA / ML-infrastructure interviews.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    bank_cli.add_commands(commands)
    config_cli.add_commands(commands)
    judge_cli.add_commands(commands)
    grade_cli.add_commands(commands)
    interview_cli.add_commands(commands)
    report_cli.add_commands(commands)
    selfassess_cli.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if not (sys.argv[1:] if argv is None else argv):
        return _start_app()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _start_app()
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _start_app() -> int:
    """The full-screen app; Textual is imported only here, so the subcommands above stay fast."""
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        print("tutor: the app needs a terminal; the subcommands work anywhere:\n", file=sys.stderr)
        build_parser().print_help(sys.stderr)
        return 0
    from tutor.app import run

    return run()


if __name__ == "__main__":
    sys.exit(main())
