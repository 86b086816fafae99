"""How fast the app opens and moves: time to first frame in a real terminal, screen switches, and background start-up.

Targets (issue 7): first frame < 1.0 s cold on the 2-core dev machine; screen switches < 100 ms.

1. First frame in a pseudo-terminal (80x24): `tutor` is started as a new process each time; the clock runs from just
   before the spawn until the terminal output contains the Home screen's "Mock interview" (what a person sees).
   Each run uses a fresh TUTOR_HOME (no database yet), with the question bank's pickle cache warm or cold.
2. The same through the app's own probe (TUTOR_STARTUP_PROBE): the time the first refresh completed, as seen inside.
3. Background start-up, in-process and headless: when each step finished (database, bank, resume check, LLM, GPU
   check, embedding model) and the longest the UI event loop went without running a 50 ms timer meanwhile.
4. Screen switches, headless at 80x24, once the start-up steps are done and the kept screens are built off-stage
   (as they are a few seconds after start): from the action to the new screen's first frame ("painted") and to every
   message it caused being handled ("settled"); first opening, then again.

Run: python benchmarks/startup.py [--runs 7] [--switch-runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOME_MARKER = b"Mock interview"


def tutor_command() -> list[str]:
    script = Path(sys.executable).with_name("tutor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tutor.cli"]


def spawn_in_pty(environment: dict[str, str], columns: int = 80, rows: int = 24) -> tuple[subprocess.Popen[bytes], int]:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(tutor_command(), stdin=follower, stdout=follower, stderr=follower, env=environment,
                               cwd=REPO, start_new_session=True)
    os.close(follower)
    return process, leader


def read_until(leader: int, marker: bytes, deadline: float) -> bool:
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            return False
        seen = seen[-len(marker):] + chunk
        if marker in seen:
            return True
    return False


def drain_and_close(process: subprocess.Popen[bytes], leader: int) -> None:
    with contextlib.suppress(OSError):
        os.write(leader, b"\x11")  # ctrl+q
    deadline = time.monotonic() + 10
    while process.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.05)
        if ready:
            try:
                os.read(leader, 65536)
            except OSError:
                break
    if process.poll() is None:
        process.kill()
        process.wait()
    os.close(leader)


def base_environment(home: str, bank_cache: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_API_KEY")}
    environment.update(TUTOR_HOME=home, TERM="xterm-256color", COLUMNS="80", LINES="24")
    environment.pop("TUTOR_STARTUP_PROBE", None)
    # The bank's pickle cache lives under TUTOR_HOME/cache; copy a warm one in for the "warm bank cache" runs.
    if bank_cache:
        shutil.copytree(bank_cache, Path(home) / "cache", dirs_exist_ok=True)
    return environment


def first_frame_in_pty(runs: int, bank_cache: str) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            environment = base_environment(home, bank_cache)
            started = time.monotonic()
            process, leader = spawn_in_pty(environment)
            if not read_until(leader, HOME_MARKER, started + 30):
                drain_and_close(process, leader)
                raise SystemExit("the Home screen did not appear within 30 s")
            times.append(time.monotonic() - started)
            drain_and_close(process, leader)
    return times


def first_frame_by_probe(runs: int, bank_cache: str) -> tuple[list[float], list[float]]:
    """(wall seconds to the first frame, CPU seconds of the whole process, which exits right after that frame)."""
    times, cpu = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            environment = base_environment(home, bank_cache)
            probe = Path(home) / "probe"
            environment["TUTOR_STARTUP_PROBE"] = str(probe)
            started = time.time()
            process, leader = spawn_in_pty(environment)
            deadline = time.monotonic() + 30
            usage = None
            while usage is None and time.monotonic() < deadline:
                ready, _, _ = select.select([leader], [], [], 0.05)
                if ready:
                    with contextlib.suppress(OSError):
                        os.read(leader, 65536)
                pid, _status, rusage = os.wait4(process.pid, os.WNOHANG)  # reaped here, so its CPU time is ours
                if pid:
                    usage = rusage
                    process.returncode = 0
            if usage is None:
                drain_and_close(process, leader)
                raise SystemExit("the app did not exit after its start-up probe within 30 s")
            os.close(leader)
            if not probe.exists():
                raise SystemExit("the app did not write its start-up probe")
            times.append(float(probe.read_text().strip()) - started)
            cpu.append(usage.ru_utime + usage.ru_stime)
    return times, cpu


def warm_bank_cache() -> str:
    """A folder holding the bank's pickle cache, built once in a throwaway TUTOR_HOME."""
    home = tempfile.mkdtemp(prefix="tutor-bench-cache-")
    subprocess.run([sys.executable, "-c", "from question_bank.loader import load_bank; load_bank()"],
                   env={**os.environ, "TUTOR_HOME": home}, check=True, cwd=REPO)
    return str(Path(home) / "cache")


Timing = tuple[float, float]  # (ms to the new screen's first paint, ms until every message it caused was handled)
SWITCH_CASES = ("practice", "question (from practice)", "cuda_problem", "settings", "interview_setup", "gap_report",
                "progress", "home")


async def background_start() -> tuple[dict[str, float], float]:
    """When each start-up step of the real app finished, and the longest the UI event loop stalled meanwhile."""
    from tutor.app import TutorApp

    app = TutorApp()
    gaps: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        last = time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

        app.set_interval(0.05, tick)
        deadline = time.monotonic() + 120
        while not {"heap", "screens_built"} <= app.steps_done.keys() and time.monotonic() < deadline:
            await pilot.pause(0.05)
    return dict(app.steps_done), max(gaps) if gaps else float("nan")


async def screen_switches() -> dict[str, tuple[Timing, Timing]]:
    """One app as a user has it a few seconds after start (every start-up step done, kept screens built, no GPU):
    each screen opened from Home, closed, opened again."""
    from question_bank.loader import load_bank
    from tutor.app import TutorApp
    from tutor.config import load_settings
    from tutor.services import Services

    settings, _ = load_settings()
    app = TutorApp(Services(settings, bank=load_bank(), gpu=False))
    results: dict[str, tuple[Timing, Timing]] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        deadline = time.monotonic() + 120
        while not {"heap", "screens_built"} <= app.steps_done.keys() and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await settle(app, pilot)

        async def timed(action: object) -> Timing:
            painted: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            start = time.perf_counter()
            action()  # type: ignore[operator]

            def mark_painted() -> None:
                if not painted.done():
                    painted.set_result(time.perf_counter() - start)

            app.screen.call_after_refresh(mark_painted)
            first_paint = await painted
            await pilot.pause()
            return first_paint, time.perf_counter() - start

        actions: dict[str, object] = {
            "practice": lambda: app.action_open("practice"),
            "question (from practice)": lambda: app.open_item("cudaperf.memory-coalescing"),
            "cuda_problem": lambda: app.open_item("cuda.softmax"),
            "home": lambda: app.action_open("home"),
        }
        for name in SWITCH_CASES:
            action = actions.get(name, lambda name=name: app.action_open(name))
            timings = []
            for _attempt in ("first", "again"):
                timings.append(await timed(action))
                await settle(app, pilot)  # a report still being built must not run into the next measurement
                if name != "home":
                    app.pop_screen()
                    await settle(app, pilot)
            results[name] = (timings[0], timings[1])
    return results


async def settle(app: object, pilot: object) -> None:
    from textual.worker import WorkerCancelled

    with contextlib.suppress(WorkerCancelled):
        await app.workers.wait_for_complete()  # type: ignore[attr-defined]
    await pilot.pause(0.2)  # type: ignore[attr-defined]


def row(name: str, values: list[float]) -> str:
    return f"{name:<52}{min(values) * 1e3:>9.0f}{statistics.median(values) * 1e3:>12.0f}{max(values) * 1e3:>9.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--switch-runs", type=int, default=5, help="apps whose screen switches are timed")
    args = parser.parse_args()
    cache = warm_bank_cache()
    pty_warm = first_frame_in_pty(args.runs, cache)
    pty_cold = first_frame_in_pty(max(3, args.runs // 2), "")
    load_before = os.getloadavg()[0]
    probe, probe_cpu = first_frame_by_probe(args.runs, cache)
    os.environ["TUTOR_HOME"] = tempfile.mkdtemp(prefix="tutor-bench-")
    steps, longest_gap = asyncio.run(background_start())
    switch_runs = [asyncio.run(screen_switches()) for _ in range(args.switch_runs)]

    print(f"machine: {os.cpu_count()} CPUs; load average {load_before:.1f} then {os.getloadavg()[0]:.1f} (other work on the "
          f"machine stretches wall times; CPU times are less affected); python {sys.version.split()[0]}; "
          f"command: {' '.join(tutor_command())}\n")
    print(f"{'first frame (new process each run, 80x24)':<52}{'min ms':>9}{'median ms':>12}{'max ms':>9}")
    print(row(f"pty: Home painted, bank cache warm (x{len(pty_warm)})", pty_warm))
    print(row(f"pty: Home painted, bank cache cold (x{len(pty_cold)})", pty_cold))
    print(row(f"probe: first refresh done, inside the app (x{len(probe)})", probe))
    print(row(f"probe: CPU time of the process up to that frame (x{len(probe_cpu)})", probe_cpu))
    print("target: < 1000 ms\n")
    print(f"{'background start-up step (after process start)':<52}{'done at ms':>12}")
    for name, seconds in steps.items():
        print(f"{name:<52}{seconds * 1e3:>12.0f}")
    print(f"{'longest UI event-loop stall during start-up':<52}{longest_gap * 1e3:>12.0f}\n")
    print(f"screen switch (headless, 80x24, {len(switch_runs)} apps; median, worst in brackets)")
    print(f"{'':<26}{'1st painted':>14}{'1st settled':>14}{'again painted':>16}{'again settled':>16}")
    for name in SWITCH_CASES:
        cells = []
        for attempt in (0, 1):
            for part in (0, 1):
                values = [run[name][attempt][part] * 1e3 for run in switch_runs]
                cells.append(f"{statistics.median(values):.0f} ({max(values):.0f})")
        print(f"{name:<26}{cells[0]:>14}{cells[1]:>14}{cells[2]:>16}{cells[3]:>16}")
    print("(ms; painted: the new screen's first frame; settled: every message it caused handled, e.g. a table filled or "
          "a report built)")
    print("target: < 100 ms")


if __name__ == "__main__":
    main()
