"""The CUDA judge: compile, check, time and sanitize answers to the bank's CUDA problems, isolated from the app.

A leaf package: it reads problems from ``question_bank`` and imports nothing from the rest of the app.
"""

from tutor.judge.api import gpu_arch, judge
from tutor.judge.models import JudgeReport, Verdict
from tutor.judge.worker import JudgeWorker, WorkerFailure

__all__ = ["JudgeReport", "JudgeWorker", "Verdict", "WorkerFailure", "gpu_arch", "judge"]
