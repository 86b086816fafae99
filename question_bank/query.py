"""Selecting bank items by category, difficulty, topic, module and persona."""

from __future__ import annotations

from pydantic import BaseModel

from question_bank.loader import Bank
from question_bank.models import Question


class Filter(BaseModel):
    category: str | None = None
    difficulty: str | None = None
    topic: str | None = None
    module: str | None = None
    persona: str | None = None


def select(bank: Bank, wanted: Filter) -> list[Question]:
    module_id = _module_id(bank, wanted.module)
    if wanted.topic is not None and wanted.topic not in bank.taxonomy.topic_ids():
        raise ValueError(f"'{wanted.topic}' is not a taxonomy topic (see `tutor bank stats` for modules)")
    chosen = []
    for question in bank:
        if wanted.category and question.category != wanted.category:
            continue
        if wanted.difficulty and question.difficulty != wanted.difficulty:
            continue
        if wanted.topic and wanted.topic not in question.topics:
            continue
        if module_id and not any(topic.startswith(module_id + ".") for topic in question.topics):
            continue
        if wanted.persona and wanted.persona not in question.personas:
            continue
        chosen.append(question)
    return sorted(chosen, key=lambda q: (q.category.value, q.id))


def _module_id(bank: Bank, module: str | None) -> str | None:
    if module is None:
        return None
    candidate = f"m{module}" if module.isdigit() else module.lower()
    if candidate not in {m.id for m in bank.taxonomy.modules}:
        raise ValueError(f"'{module}' is not a module; use m1..m{len(bank.taxonomy.modules)} or 1..{len(bank.taxonomy.modules)}")
    return candidate
