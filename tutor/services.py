"""What the app's screens share: settings, storage, the bank, the LLM, the embedder and the judge worker.

No Textual here, and nothing slow at import or construction (only the database is opened eagerly): the bank, the LLM
client, the embedding model and the judge worker are built on first use, from a worker thread, and cached. Every
accessor is safe to call from several threads at once.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.config import Settings, load_settings
from tutor.storage import Storage

if TYPE_CHECKING:
    from gap_engine.embeddings import Embedder
    from question_bank.loader import Bank
    from tutor.judge.models import DevicePeaks
    from tutor.judge.worker import JudgeWorker
    from tutor.llm import LLM


class Services:
    """One per app. Tests pass a ready `bank` (and may pass `gpu=False` to pretend there is no GPU)."""

    def __init__(self, settings: Settings, *, bank: Bank | None = None, gpu: bool | None = None) -> None:
        self.settings = settings
        self.storage = Storage(settings.database_path)
        self._bank = bank
        self._gpu_override = gpu
        self._llm: LLM | None = None
        self._worker: JudgeWorker | None = None
        self._worker_start: threading.Thread | None = None
        self._bank_lock = threading.Lock()
        self._llm_lock = threading.Lock()
        self._worker_lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> Services:
        """Settings from the config file and environment; raises tutor.config.ConfigError with the file and field."""
        settings, _sources = load_settings()
        return cls(settings)

    @property
    def judge_cache_dir(self) -> Path:
        return self.settings.data_dir / "judge"

    # --- the bank, the LLM, the embedder --------------------------------------------------------------------------

    @property
    def bank_loaded(self) -> bool:
        return self._bank is not None

    def bank(self) -> Bank:
        """The question bank (about 200 ms from the pickle cache, a few seconds after a content change)."""
        with self._bank_lock:
            if self._bank is None:
                from question_bank.loader import load_bank

                self._bank = load_bank()
            return self._bank

    def llm(self) -> LLM:
        """The configured LLM; offline (with the reason in `status_line`) when no provider is usable."""
        with self._llm_lock:
            if self._llm is None:
                from tutor.llm import LLM, OfflineProvider

                try:
                    self._llm = LLM.from_settings(self.settings, on_usage=self.storage.add_llm_usage)
                except Exception as error:  # a broken SDK install must not take the app down: go offline, say why
                    reason = f"The LLM provider could not be set up ({type(error).__name__}: {error}); running offline."
                    self._llm = LLM(OfflineProvider(reason), on_usage=self.storage.add_llm_usage)
            return self._llm

    def reset_llm(self) -> None:
        """Forget the cached LLM, e.g. after the provider or model changed in Settings."""
        with self._llm_lock:
            self._llm = None

    def embedder(self) -> Embedder:
        """The process-wide embedder with this database as its cache; call `.warm()` from a worker to load the model."""
        from gap_engine.embeddings import shared_embedder

        return shared_embedder(self.storage)

    # --- GPU and judge --------------------------------------------------------------------------------------------

    def gpu_arch(self) -> str | None:
        """The GPU's arch (sm_90...) or None; runs nvidia-smi once, so call it from a worker the first time."""
        if self._gpu_override is False:
            return None
        from tutor.judge.api import gpu_arch

        return gpu_arch()

    def has_gpu(self) -> bool:
        return self.gpu_arch() is not None

    def judge_worker(self, *, wait: bool = False) -> JudgeWorker | None:
        """The resident judge worker, started in the background on first call; None without a GPU.

        `wait=True` (from a worker thread) blocks until that first start has finished, so a job never races the
        start into launching a second process; a failed start is retried by the job itself, which reports it."""
        if not self.has_gpu():
            return None
        with self._worker_lock:
            if self._worker is None:
                from tutor.judge.worker import JudgeWorker

                self._worker = JudgeWorker(self.judge_cache_dir)
                self._worker_start = threading.Thread(target=self._start_worker, args=(self._worker,),
                                                      name="judge-worker-start", daemon=True)
                self._worker_start.start()
            worker, starting = self._worker, self._worker_start
        if wait and starting is not None:
            starting.join()
        return worker

    @staticmethod
    def _start_worker(worker: JudgeWorker) -> None:
        from tutor.judge.worker import WorkerFailure

        with contextlib.suppress(WorkerFailure):  # the next job starts it again and reports why it failed
            worker.start()

    @property
    def judge_worker_starting(self) -> bool:
        return self._worker_start is not None and self._worker_start.is_alive()

    @property
    def judge_worker_started(self) -> bool:
        return self._worker is not None and self._worker.alive

    def measured_peaks(self) -> list[DevicePeaks]:
        """Device peaks the judge measured on this machine before (its cache files), newest first."""
        from pydantic import ValidationError

        from tutor.judge.models import DevicePeaks

        found = []
        for path in sorted(self.judge_cache_dir.glob("peaks-*.json")):
            try:
                found.append(DevicePeaks.model_validate_json(path.read_text(encoding="utf-8")))
            except (OSError, ValidationError):
                continue  # a damaged cache file is re-measured by the worker; nothing to show meanwhile
        return sorted(found, key=lambda peaks: peaks.measured_at, reverse=True)

    def gpu_status(self) -> str:
        """One sentence for the UI: what the judge can do on this machine, and what is missing."""
        nvcc = shutil.which("nvcc")
        arch = self.gpu_arch()
        if arch is None:
            if nvcc is None:
                return ("No NVIDIA GPU and no CUDA toolkit (nvcc) found: CUDA problems can be read and edited; install "
                        "the CUDA toolkit to compile and see the register and shared-memory report, and use a machine "
                        "with an NVIDIA GPU to run the tests and benchmarks.")
            return ("No NVIDIA GPU found: CUDA answers compile and show the register and shared-memory report; "
                    "running the tests and benchmarks needs an NVIDIA GPU with a driver.")
        name = _gpu_name() or "NVIDIA GPU"
        worker = self._worker
        if worker is not None and worker.alive:
            state = f"the judge worker is ready on {worker.device or name}"
        elif worker is not None:
            state = "the judge worker is starting (the first start measures the device's peaks)"
        else:
            state = "the judge worker starts on first use"
        missing = "" if nvcc else " nvcc was not found: install the CUDA toolkit to compile answers."
        return f"{name} ({arch}): {state}.{missing}"

    def close(self) -> None:
        with self._worker_lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None
        self.storage.close()


@functools.cache
def _gpu_name() -> str | None:
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        result = subprocess.run([tool, "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True,
                                timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = result.stdout.strip().splitlines()
    return lines[0].strip() if result.returncode == 0 and lines else None


EDITABLE_SETTINGS = ("provider", "anthropic_model", "litellm_model", "target_role", "theme")


def save_config_values(updates: dict[str, str | None]) -> Path:
    """Write these settings into config.toml, keeping every other line of the file as it is; None removes a key.

    Only the editable, non-secret settings can be written here, so no API key ever passes through this function.
    The new values are validated first (raises ConfigError naming the field); the file is replaced atomically.
    """
    import json
    import os
    import re
    import tomllib

    from pydantic import ValidationError

    from tutor.config import ConfigError, config_path, home_dirs

    refused = sorted(set(updates) - set(EDITABLE_SETTINGS))
    if refused:
        raise ConfigError(f"not editable from the app: {', '.join(refused)} (edit {config_path()} by hand)")
    path = config_path()
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    try:
        current = tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error}); fix it by hand before saving from the app") from error
    merged = {**current, **{name: new for name, new in updates.items() if new is not None}}
    for name, new in updates.items():
        if new is None:
            merged.pop(name, None)
    try:
        Settings.model_validate({"data_dir": home_dirs()[1], **merged})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"not saved: {problems}") from error
    pending = dict(updates)
    kept: list[str] = []
    for line in lines:
        match = re.match(r"\s*([A-Za-z0-9_]+)\s*=", line)
        found = match.group(1) if match else None
        if found is not None and found in pending:
            value = pending.pop(found)
            if value is not None:
                kept.append(f"{found} = {json.dumps(value)}")  # a JSON string is a valid TOML basic string
            continue
        kept.append(line)
    kept += [f"{name} = {json.dumps(new)}" for name, new in pending.items() if new is not None]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".toml.partial")
    partial.write_text("\n".join(kept) + "\n", encoding="utf-8")
    if path.exists():  # the file may hold an API key: keep its permissions
        os.chmod(partial, path.stat().st_mode & 0o777)
    os.replace(partial, path)
    return path
