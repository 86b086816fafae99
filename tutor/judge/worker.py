"""The resident judge worker: a separate process that owns the CUDA context and runs candidate code.

A timeout, a crash or a sticky CUDA error kills the process; the next job starts a fresh one. The caller blocks only
the thread it calls from (the app calls from a background worker) and can cancel from any thread.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tutor.judge.models import DevicePeaks

STARTUP_TIMEOUT_S = 300.0  # first start on a device also measures its peaks
STDOUT_EXCERPT_BYTES = 4000


class WorkerFailure(Exception):
    """The job did not finish: the worker timed out, crashed, or hit a sticky CUDA error, and has been replaced."""

    def __init__(self, kind: str, message: str, output: str = "") -> None:
        super().__init__(message)
        self.kind = kind  # "timeout", "crashed", "cancelled", "start_failed"
        self.output = output


class JudgeWorker:
    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = cache_dir / "worker-output.log"
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._lock = threading.Lock()
        self.device: str | None = None
        self.arch: str | None = None
        self.peaks: DevicePeaks | None = None
        self.starts = 0

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        if self.alive:
            return
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_worker_main, args=(child, str(self.log_path), str(self.cache_dir)),
                                  daemon=True, name="tutor-judge-worker")
        with _real_stderr():
            process.start()
        child.close()
        self._process, self._connection = process, parent
        self.starts += 1
        if not parent.poll(STARTUP_TIMEOUT_S):
            self.kill()
            raise WorkerFailure("start_failed", f"the judge worker did not start in {STARTUP_TIMEOUT_S:.0f} s")
        try:
            hello = parent.recv()
        except EOFError:
            output = self._take_output()
            self.kill()
            raise WorkerFailure("start_failed", "the judge worker exited while starting", output) from None
        if "error" in hello:
            self.kill()
            raise WorkerFailure("start_failed", f"the judge worker could not start: {hello['error']}")
        self.device, self.arch = hello["device"], hello["arch"]
        self.peaks = DevicePeaks.model_validate(hello["peaks"])

    def request(self, job: dict[str, Any], timeout_s: float) -> tuple[dict[str, Any], str]:
        """Run one job; returns its result and what the kernels printed. Raises WorkerFailure."""
        with self._lock:
            self.start()
            assert self._connection is not None
            self._take_output()
            process, connection = self._process, self._connection
            connection.send(job)
            deadline = time.monotonic() + timeout_s
            while True:
                if self._process is not process:
                    raise WorkerFailure("cancelled", "the run was cancelled; the worker was stopped")
                try:
                    if connection.poll(0.05):
                        break
                except (OSError, EOFError):
                    raise WorkerFailure("cancelled", "the run was cancelled; the worker was stopped") from None
                if process is None or not process.is_alive():
                    break
                if time.monotonic() > deadline:
                    output = self._take_output()
                    self.kill()
                    raise WorkerFailure("timeout", f"no result after {timeout_s:.0f} s: the kernel did not finish "
                                                   f"(an infinite loop or a deadlock?); the worker was restarted", output)
            try:
                reply = connection.recv()
            except (EOFError, OSError):
                code = process.exitcode if process else None
                output = self._take_output()
                self.kill()
                raise WorkerFailure("crashed", f"the judge worker died (exit code {code}) while running your code; "
                                               f"it was restarted", output) from None
            output = self._take_output()
            if "sticky" in reply:
                self.kill()
                raise WorkerFailure("crashed", f"CUDA error: {reply['sticky']}. The CUDA context cannot be used after "
                                               f"this error, so the worker was restarted", output)
            if "error" in reply:
                raise RuntimeError(reply["error"])
            return reply, output

    def start_in_background(self) -> threading.Thread:
        """Start the worker (imports, context, peaks) off the caller's thread, e.g. as the app opens."""
        def start_quietly() -> None:
            with contextlib.suppress(WorkerFailure), self._lock:
                self.start()

        thread = threading.Thread(target=start_quietly, name="judge-worker-start", daemon=True)
        thread.start()
        return thread

    def cancel(self) -> None:
        """Stop a running job from another thread; the worker is replaced on the next request."""
        self.kill()

    def kill(self) -> None:
        # Take both at once: a cancel from another thread must never close a connection to a newer worker.
        process, self._process = self._process, None
        connection, self._connection = self._connection, None
        if process is not None and process.is_alive():
            process.kill()
            process.join(10)
        if connection is not None:
            connection.close()

    close = kill

    def _take_output(self) -> str:
        try:
            with self.log_path.open("rb") as handle:
                head = handle.read(STDOUT_EXCERPT_BYTES)
                size = handle.seek(0, os.SEEK_END)
            with self.log_path.open("wb"):
                pass
        except FileNotFoundError:
            return ""
        text = head.decode(errors="replace")
        if size > STDOUT_EXCERPT_BYTES:
            text += f"\n... ({size - STDOUT_EXCERPT_BYTES} more bytes of output not shown)"
        return text


@contextlib.contextmanager
def _real_stderr() -> Iterator[None]:
    """multiprocessing hands sys.stderr's file descriptor to its resource tracker; inside a Textual app (or pytest's
    capture) sys.stderr is a Python object whose fileno() is not a real descriptor, and the start fails with "bad
    value(s) in fds_to_keep". Starting with the process's own stderr avoids that; the child sends its output to
    the log file anyway."""
    try:
        valid = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        valid = False
    if valid or sys.__stderr__ is None:
        yield
        return
    replaced, sys.stderr = sys.stderr, sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = replaced


def _worker_main(connection: Connection, log_path: str, cache_dir: str) -> None:
    # Kernel printf and anything else written to fd 1/2 goes to a file, never to the app's terminal.
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    try:
        from tutor.judge import jobs

        runtime = jobs.start_runtime()
        peaks = jobs.device_peaks(runtime, Path(cache_dir))
        connection.send({"device": runtime.name, "arch": runtime.arch, "peaks": peaks.model_dump()})
    except Exception:
        with contextlib.suppress(OSError):
            connection.send({"error": traceback.format_exc(limit=3)})
        return
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = jobs.handle(runtime, peaks, job)
        except jobs.StickyCudaError as error:
            connection.send({"sticky": str(error)})
            os._exit(3)
        except Exception:
            reply = {"error": traceback.format_exc(limit=5)}
        connection.send(reply)
