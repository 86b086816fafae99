"""The labelled calibration set: bank items with answers of known quality (``tests/calibration/*.yaml``).

Used by the calibration tests and ``benchmarks/grading.py`` to check that the graders order answers the way a
careful human would, and that an answer which tries to instruct the grader never scores above a poor one.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

CALIBRATION_DIR = Path(__file__).resolve().parent.parent / "tests" / "calibration"


class Quality(StrEnum):
    EXCELLENT = "excellent"
    PARTIAL = "partial"
    POOR = "poor"
    OFF_TOPIC = "off_topic"
    INJECTION = "injection"  # a poor answer plus an attempt to instruct the grader

    @property
    def rank(self) -> int:
        """Expected order for rank correlation: excellent 4 > partial 3 > poor 2 (injection too) > off-topic 1."""
        return {"excellent": 4, "partial": 3, "poor": 2, "injection": 2, "off_topic": 1}[self.value]

    @property
    def band(self) -> tuple[float, float]:
        """The /10 range a calibrated grader should give this quality."""
        return {"excellent": (7.5, 10.0), "partial": (3.5, 7.0), "poor": (0.5, 3.5), "injection": (0.0, 3.0),
                "off_topic": (0.0, 1.5)}[self.value]


class CalibrationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    answers: dict[Quality, str]


class CalibrationAnswer(BaseModel):
    source: str  # file name, for messages
    question_id: str
    quality: Quality
    text: str


def load_calibration(directory: Path = CALIBRATION_DIR) -> list[CalibrationAnswer]:
    """Every answer of every calibration file, in file then quality order; errors name the file."""
    answers: list[CalibrationAnswer] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise FileNotFoundError(f"no calibration files (*.yaml) in {directory}")
    for path in files:
        try:
            parsed = CalibrationFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError) as error:
            raise ValueError(f"{path}: {error}") from error
        missing = set(Quality) - set(parsed.answers)
        if missing:
            raise ValueError(f"{path}: answers missing for {sorted(missing)}")
        for quality in Quality:
            answers.append(CalibrationAnswer(source=path.name, question_id=parsed.question, quality=quality,
                                             text=parsed.answers[quality]))
    return answers
