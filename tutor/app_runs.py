"""Whether the app's last run ended without closing (a kill, a crash, a lost terminal).

Each running app keeps a marker file (its process id and start time) in `<data dir>/runs/` and removes it when it
closes. At start, a marker whose process is gone belongs to a run that never closed: the practice drafts written
since that run started are the ones to offer back. A marker whose process still runs is another app open on the same
data, and is left alone.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from tutor.records import Answer, AnswerStatus, now
from tutor.storage import Storage


class RunMarker(BaseModel):
    pid: int
    started_at: datetime


def begin_run(data_dir: Path) -> tuple[Path, datetime | None]:
    """Leaves this run's marker. Returns its path and when the earliest run that never closed began (None: every
    earlier run closed)."""
    folder = data_dir / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    interrupted: list[datetime] = []
    for path in folder.glob("*.json"):
        try:
            marker = RunMarker.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError):
            path.unlink(missing_ok=True)  # half-written when its run was killed: nothing to learn from it
            continue
        if marker.pid != os.getpid() and _process_exists(marker.pid):
            continue
        interrupted.append(marker.started_at)
        path.unlink(missing_ok=True)
    mine = folder / f"{os.getpid()}.json"
    mine.write_text(RunMarker(pid=os.getpid(), started_at=now()).model_dump_json(), encoding="utf-8")
    return mine, min(interrupted, default=None)


def end_run(marker: Path) -> None:
    marker.unlink(missing_ok=True)


def interrupted_drafts(storage: Storage, since: datetime) -> list[Answer]:
    """Practice drafts (not part of an interview) with something written, saved since `since`, newest first."""
    drafts = [answer for answer in storage.answers(status=AnswerStatus.DRAFT)
              if answer.session_id is None and (answer.text.strip() or (answer.code or "").strip())
              and answer.updated_at >= since]
    return sorted(drafts, key=lambda answer: answer.updated_at, reverse=True)


def _process_exists(pid: int) -> bool:
    # A recycled process id reads as "still running": the offer is then skipped, never wrongly made.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
