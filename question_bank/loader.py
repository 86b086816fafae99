"""Reads the content tree into models, and reports every problem with the file, the field and the line."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
import yaml
from pydantic import BaseModel, ValidationError

from question_bank.models import Category, FinalAssessment, Measurement, Question, Taxonomy

CONTENT_ROOT = Path(__file__).parent / "content"
CUDA_FILES = ("problem.yaml", "statement.md", "reference.py", "starter.cu", "naive.cu", "optimized.cu")
SOLVE_SOURCES = ("starter.cu", "naive.cu", "optimized.cu")
MEASURED_FILE = "measured.yaml"  # written by benchmarks/bank_gpu.py, never by hand

M = TypeVar("M", bound=BaseModel)

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Issue:
    """One thing wrong with the content, located as precisely as the file allows."""

    file: Path
    message: str
    field: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = str(self.file) + (f":{self.line}" if self.line else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class BankError(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        listing = "\n".join(f"  {issue}" for issue in issues[:20])
        more = f"\n  ... and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"the question bank has {len(issues)} problem(s):\n{listing}{more}")


@dataclass
class Bank:
    root: Path
    taxonomy: Taxonomy
    questions: dict[str, Question]
    final_assessment: FinalAssessment
    sources: dict[str, Path] = field(default_factory=dict)  # item id -> the file it was read from

    def get(self, item_id: str) -> Question:
        try:
            return self.questions[item_id]
        except KeyError:
            raise KeyError(f"no bank item with id '{item_id}'") from None

    def problem_dir(self, item_id: str) -> Path:
        question = self.get(item_id)
        if question.cuda is None:
            raise KeyError(f"'{item_id}' is not a CUDA coding problem")
        return self.sources[item_id].parent

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions.values())

    def __len__(self) -> int:
        return len(self.questions)


def load_bank(root: Path = CONTENT_ROOT, *, use_cache: bool = True) -> Bank:
    """The whole bank, schema-checked; raises BankError listing every problem found.

    A bank that loaded cleanly is kept in the user cache, keyed by every content file's path, size and mtime and by
    the model code, so the next start reads one file instead of parsing every YAML file again.
    """
    cache_path = _cache_path(root) if use_cache else None
    if cache_path is not None and cache_path.is_file():
        try:
            with cache_path.open("rb") as handle:
                cached = pickle.load(handle)
            if isinstance(cached, Bank):
                return cached
        except Exception:  # a stale or damaged cache is only a slower start
            cache_path.unlink(missing_ok=True)
    bank, issues = read_bank(root)
    if issues or bank is None:
        raise BankError(issues)
    if cache_path is not None:
        with contextlib.suppress(OSError):
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            for stale in cache_path.parent.glob("bank-*.pickle"):
                stale.unlink(missing_ok=True)
            partial = cache_path.with_suffix(".partial")
            with partial.open("wb") as handle:
                pickle.dump(bank, handle, protocol=pickle.HIGHEST_PROTOCOL)
            partial.replace(cache_path)
    return bank


def _cache_path(root: Path) -> Path | None:
    try:
        files = sorted(path for path in root.rglob("*") if path.is_file())
        fingerprint = hashlib.sha256(str(root.resolve()).encode())
        for path in files:
            stat = path.stat()
            fingerprint.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        for module in ("models.py", "loader.py", "expressions.py"):
            fingerprint.update((Path(__file__).parent / module).read_bytes())
    except OSError:
        return None
    home = os.environ.get("TUTOR_HOME")
    folder = Path(home) / "cache" if home else Path(platformdirs.user_cache_dir("gpu-interview-tutor"))
    return folder / f"bank-{fingerprint.hexdigest()[:24]}.pickle"


def read_bank(root: Path = CONTENT_ROOT) -> tuple[Bank | None, list[Issue]]:
    issues: list[Issue] = []
    taxonomy = _read_model(root / "taxonomy.yaml", Taxonomy, issues)
    assessment = _read_model(root / "final_assessment.yaml", FinalAssessment, issues)
    questions: dict[str, Question] = {}
    sources: dict[str, Path] = {}
    for path in sorted((root / "questions").glob("*/*.yaml")):
        _add(path, _read_model(path, Question, issues, category_from_folder=path.parent.name), questions, sources, issues)
    for folder in sorted(p for p in (root / "cuda").glob("*") if p.is_dir()):
        missing = [name for name in CUDA_FILES if not (folder / name).is_file()]
        if missing:
            issues.append(Issue(folder, f"CUDA problem folder lacks {', '.join(missing)}"))
            continue
        _add(folder / "problem.yaml", _read_cuda_problem(folder, issues), questions, sources, issues)
    if taxonomy is None or assessment is None:
        return None, issues
    return Bank(root, taxonomy, questions, assessment, sources), issues


def _add(path: Path, question: Question | None, questions: dict[str, Question], sources: dict[str, Path],
         issues: list[Issue]) -> None:
    if question is None:
        return
    if question.id in questions:
        issues.append(Issue(path, f"id '{question.id}' is also used by {sources[question.id]}", "id",
                            line_of(path, ("id",))))
        return
    questions[question.id] = question
    sources[question.id] = path


def _read_cuda_problem(folder: Path, issues: list[Issue]) -> Question | None:
    path = folder / "problem.yaml"
    extra = {"category": Category.CUDA_CODING.value, "prompt": (folder / "statement.md").read_text(encoding="utf-8")}
    question = _read_model(path, Question, issues, extra=extra)
    measured_path = folder / MEASURED_FILE
    if question is None or question.cuda is None or not measured_path.is_file():
        return question
    measured = _read_model(measured_path, Measurement, issues)
    if measured is None:
        return None
    return question.model_copy(update={"cuda": question.cuda.model_copy(update={"measured": measured})})


def _read_model(path: Path, model: type[M], issues: list[Issue], *,
                extra: dict[str, Any] | None = None, category_from_folder: str | None = None) -> M | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        issues.append(Issue(path, f"cannot be read: {error.strerror}"))
        return None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        issues.append(Issue(path, f"is not valid YAML: {getattr(error, 'problem', error)}",
                            line=mark.line + 1 if mark else None))
        return None
    if not isinstance(data, dict):
        issues.append(Issue(path, "must be a YAML mapping of fields", line=1))
        return None
    if category_from_folder is not None and data.get("category") != category_from_folder:
        issues.append(Issue(path, f"is in folder '{category_from_folder}' but says category "
                                  f"'{data.get('category')}'", "category", line_of(path, ("category",), text)))
    try:
        return model.model_validate({**data, **(extra or {})})
    except ValidationError as error:
        for detail in error.errors():
            location = tuple(detail["loc"])
            issues.append(Issue(path, detail["msg"], field_path(location), line_of(path, location, text)))
        return None


def field_path(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(path: Path, location: tuple[Any, ...], text: str | None = None) -> int | None:
    """The 1-based line of the deepest YAML node that exists on the way to ``location``."""
    try:
        node = yaml.compose(text if text is not None else path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == part), None)
            if child is None:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        else:
            break
        node = child
        line = node.start_mark.line + 1
    return line
