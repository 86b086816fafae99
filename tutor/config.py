"""Settings: a TOML file in the user config directory, overridden by environment variables.

API keys are held as SecretStr: they print masked, and nothing here writes them anywhere.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

APP_NAME = "gpu-interview-tutor"
DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-6"

# Environment variable -> settings field. TUTOR_HOME is handled in home_dirs().
ENVIRONMENT = {
    "TUTOR_PROVIDER": "provider",
    "TUTOR_ANTHROPIC_MODEL": "anthropic_model",
    "TUTOR_LITELLM_MODEL": "litellm_model",
    "TUTOR_DATA_DIR": "data_dir",
    "TUTOR_ROLE": "target_role",
    "ANTHROPIC_API_KEY": "anthropic_api_key",
}


class ConfigError(Exception):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: Literal["auto", "anthropic", "litellm", "offline"] = "auto"
    anthropic_model: str = DEFAULT_ANTHROPIC_MODEL
    anthropic_api_key: SecretStr | None = None
    litellm_model: str | None = None  # e.g. "openai/gpt-4o" or "ollama/llama3.1"; litellm reads that provider's key
    llm_timeout_seconds: float = 60.0
    llm_max_retries: int = Field(default=3, ge=0, le=10)  # on rate limits, overload, 5xx and network errors
    data_dir: Path
    target_role: str = "llm_inference_engineer"
    # [roles.<name>] tables: module id (m1..m9) -> weight 0-1, and an optional title; see gap_engine/roles.py
    roles: dict[str, dict[str, float | str]] = {}
    theme: Literal["dark", "light"] = "dark"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "tutor.db"

    def effective_provider(self) -> Literal["anthropic", "litellm", "offline"]:
        if self.provider != "auto":
            return self.provider
        if self.anthropic_api_key is not None:
            return "anthropic"
        if self.litellm_model:
            return "litellm"
        return "offline"


def home_dirs() -> tuple[Path, Path]:
    """(config directory, data directory); TUTOR_HOME puts both under one folder."""
    home = os.environ.get("TUTOR_HOME")
    if home:
        return Path(home).expanduser(), Path(home).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)), Path(platformdirs.user_data_dir(APP_NAME))


def config_path() -> Path:
    return home_dirs()[0] / "config.toml"


def load_settings(environ: dict[str, str] | None = None) -> tuple[Settings, dict[str, str]]:
    """The effective settings and, for each field, where its value came from."""
    environ = dict(os.environ) if environ is None else environ
    path = config_path()
    values: dict[str, object] = {"data_dir": home_dirs()[1]}
    sources = {name: "default" for name in Settings.model_fields}
    sources["data_dir"] = "TUTOR_HOME" if environ.get("TUTOR_HOME") else "default"
    if path.is_file():
        try:
            from_file = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from error
        unknown = sorted(set(from_file) - set(Settings.model_fields))
        if unknown:
            raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(Settings.model_fields)}")
        values.update(from_file)
        sources.update({name: str(path) for name in from_file})
    for variable, name in ENVIRONMENT.items():
        if environ.get(variable):
            values[name] = environ[variable]
            sources[name] = f"${variable}"
    try:
        return Settings.model_validate(values), sources
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"invalid settings ({path} or environment): {problems}") from error


def mask(secret: SecretStr | None) -> str:
    if secret is None:
        return "(not set)"
    value = secret.get_secret_value()
    return f"set, ends ...{value[-4:]}" if len(value) >= 12 else "set"
