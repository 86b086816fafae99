"""``tutor config``: the effective settings, where each came from, keys masked."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import SecretStr

from tutor.config import ConfigError, config_path, load_settings, mask
from tutor.llm import status_for


def add_commands(commands: Any) -> None:
    config = commands.add_parser("config", help="print the effective settings (API keys masked)")
    config.set_defaults(run=_show)


def _show(args: argparse.Namespace) -> int:
    try:
        settings, sources = load_settings()
    except ConfigError as error:
        print(f"tutor config: {error}", file=sys.stderr)
        return 1
    print(f"config file: {config_path()}" + ("" if config_path().is_file() else " (not present; defaults in use)"))
    print(f"database:    {settings.database_path}")
    print(f"provider:    {settings.effective_provider()} (setting: {settings.provider})")
    print(f"llm:         {status_for(settings)}\n")
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        shown = mask(value) if isinstance(value, SecretStr) or name.endswith("_key") else value
        print(f"  {name:<22} {shown!s:<40} {sources[name]}")
    return 0
