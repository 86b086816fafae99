"""Export the README's screenshots (SVG, as Textual draws them): interview, practice and gap report.

    python docs/make_screenshots.py                  # writes docs/screenshots/*.svg
    python docs/make_screenshots.py gap-report       # only the named ones

Runs the real app headless on a temporary TUTOR_HOME with fixed data (a fake interview clock, a fixed history of
scored answers, a fixed report time), offline; the same scenes as tests/test_snapshots.py.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
SIZE = (110, 34)


async def shoot(name: str, scene_name: str) -> Path:
    from question_bank.loader import load_bank
    from tests import screens_support

    app = screens_support.make_app(load_bank())
    async with app.run_test(size=SIZE) as pilot:
        await getattr(screens_support, scene_name)(pilot)
        path = Path(app.save_screenshot(f"{name}.svg", str(OUT)))
    return path


def main() -> int:
    sys.path.insert(0, str(REPO))
    OUT.mkdir(parents=True, exist_ok=True)
    for variable in ("ANTHROPIC_API_KEY", "TUTOR_PROVIDER", "TUTOR_LITELLM_MODEL", "TUTOR_DATA_DIR"):
        os.environ.pop(variable, None)
    scenes = {"interview": "scene_interview", "practice": "scene_practice", "gap-report": "scene_gap_report",
              "scorecard": "scene_scorecard"}
    wanted = sys.argv[1:] or list(scenes)
    unknown = [name for name in wanted if name not in scenes]
    if unknown:
        print(f"unknown screenshot(s) {unknown}; choose from {list(scenes)}", file=sys.stderr)
        return 2
    for name in wanted:
        scene = scenes[name]
        with tempfile.TemporaryDirectory(prefix="tutor-shots-") as home:
            os.environ["TUTOR_HOME"] = home  # each scene on a fresh, empty profile
            path = asyncio.run(shoot(name, scene))
            print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
