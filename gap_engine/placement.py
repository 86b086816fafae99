"""Places every rubric point of the bank on taxonomy topics: the item's own tags, plus the topics a point really tests.

An item's `topics` are authoritative (weight 1 on every one of its points). Embedding similarity then adds, per rubric
point, at most `EXTRA_TOPICS` untagged topics with a weight below 1: a KV-cache question's point about grouped-query
attention also counts toward the attention topic. Similarities of MiniLM between a rubric sentence and a short topic
title are noisy and some topics are "hubs" close to everything (throughput metrics, the thread hierarchy), so the score
is hubness-corrected (CSLS: 2 cos - mean of the point's 10 nearest topics - mean of the topic's 10 nearest points) and
the point text is prefixed with its question's title. Measured on the bank, the best topic by that score is one of the
item's own tags for 88% of the points above the threshold, against 45% for raw cosine on the bare point text, which is
why the threshold sits there.

The result is computed once per bank content (hash) and process; the vectors themselves are cached in the database.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from gap_engine.embeddings import Embedder, EmbeddingUnavailable
from question_bank.loader import Bank
from question_bank.models import Category, Question, RubricPoint

EXTRA_TOPICS = 2  # at most this many untagged topics added per rubric point
CSLS_NEIGHBOURS = 10
CSLS_THRESHOLD = 0.15  # hubness-corrected similarity an untagged topic needs (about the top quarter of best matches)
EXTRA_WEIGHT_MIN = 0.3  # weight of an added topic right at the threshold...
EXTRA_WEIGHT_MAX = 0.7  # ...rising linearly to this at CSLS_FULL and above; always below a tag's 1.0
CSLS_FULL = 0.35

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class PointTopic(BaseModel):
    """One topic a rubric point counts toward."""

    model_config = ConfigDict(frozen=True)

    topic_id: str
    weight: float  # 1.0 for the item's own tags, EXTRA_WEIGHT_MIN..EXTRA_WEIGHT_MAX for a similarity placement
    tagged: bool
    similarity: float | None = None  # hubness-corrected similarity, when embeddings were used


@dataclass(frozen=True)
class ItemPlacement:
    """Everything the engine needs about one item, as arrays (built once, used for every answer to it)."""

    item_id: str
    point_ids: tuple[str, ...]
    point_shares: FloatArray  # (points,) rubric weight / total weight: sums to 1
    topics: IntArray  # (k,) indices into Placement.topic_ids of every topic any point touches; tags first
    matrix: FloatArray  # (points, k) placement weight of each point on each topic
    similarity: FloatArray  # (points, k) hubness-corrected similarity; NaN without embeddings
    tagged: IntArray  # indices (into Placement.topic_ids) of the item's own tags

    def point_index(self, point_id: str) -> int | None:
        try:
            return self.point_ids.index(point_id)
        except ValueError:
            return None


@dataclass(frozen=True)
class Placement:
    bank_hash: str
    topic_ids: tuple[str, ...]
    topic_index: dict[str, int]
    items: dict[str, ItemPlacement]
    embedded: bool  # False when the embedding model was unavailable: tags only
    topic_exercises: dict[str, tuple[str, ...]]  # topic id -> its module's exercises, most relevant first
    note: str = ""

    def point_topics(self, item_id: str, point_id: str) -> list[PointTopic]:
        item = self.items[item_id]
        row = item.point_index(point_id)
        if row is None:
            raise KeyError(f"item '{item_id}' has no rubric point '{point_id}'")
        tagged = set(item.tagged.tolist())
        return [PointTopic(topic_id=self.topic_ids[int(topic)], weight=float(weight), tagged=int(topic) in tagged,
                           similarity=None if np.isnan(similarity) else float(similarity))
                for topic, weight, similarity in zip(item.topics, item.matrix[row], item.similarity[row], strict=True)
                if weight > 0]


def bank_hash(bank: Bank) -> str:
    """Hash of what placement depends on: the taxonomy and every item's tags and rubric."""
    digest = hashlib.sha256()
    digest.update(bank.taxonomy.model_dump_json().encode())
    for question in sorted(bank.questions.values(), key=lambda q: q.id):
        digest.update(json.dumps([question.id, question.title, question.topics,
                                  [point.model_dump() for point in question.rubric]], sort_keys=True).encode())
    return digest.hexdigest()


def point_text(question: Question, point: RubricPoint) -> str:
    return f"{question.title}: {point.text} Key concepts: {', '.join(point.key_concepts)}."


def topic_texts(bank: Bank) -> list[str]:
    return [topic.title for module in bank.taxonomy.modules for topic in module.topics]


_cache: dict[tuple[str, bool], Placement] = {}
_cache_lock = threading.Lock()


def place_bank(bank: Bank, embedder: Embedder | None) -> Placement:
    """The bank's placement, computed once per bank content and process (embeddings come from the DB cache)."""
    key = (bank_hash(bank), embedder is not None)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    placement = compute_placement(bank, embedder, key[0])
    with _cache_lock:
        _cache[(key[0], placement.embedded)] = placement
        _cache[key] = placement
    return placement


def compute_placement(bank: Bank, embedder: Embedder | None, content_hash: str | None = None) -> Placement:
    """The placement computed afresh (place_bank caches it); tags only when embedder is None or unavailable."""
    content_hash = content_hash or bank_hash(bank)
    topic_ids = tuple(topic.id for module in bank.taxonomy.modules for topic in module.topics)
    topic_index = {topic_id: index for index, topic_id in enumerate(topic_ids)}
    questions = list(bank.questions.values())
    similarity: FloatArray | None = None
    exercises = _exercises_by_order(bank)
    note = ""
    if embedder is not None:
        try:
            similarity = _csls(bank, questions, embedder)
            exercises = _exercises_by_similarity(bank, embedder)
        except EmbeddingUnavailable as error:
            note = f"embedding placement unavailable ({error}); rubric points count toward their item's tags only"
    else:
        note = "embedding placement not used; rubric points count toward their item's tags only"
    items: dict[str, ItemPlacement] = {}
    row = 0
    for question in questions:
        tagged = [topic_index[topic] for topic in question.topics if topic in topic_index]
        # A behavioral rubric point describes how a story is told (STAR, ownership), and its words match technical topic
        # titles by accident: it counts toward its tags only.
        behavioral = question.category == Category.BEHAVIORAL
        rows = similarity[row:row + len(question.rubric)] if similarity is not None and not behavioral else None
        row += len(question.rubric)
        items[question.id] = _item_placement(question, tagged, rows)
    return Placement(bank_hash=content_hash, topic_ids=topic_ids, topic_index=topic_index, items=items,
                     embedded=similarity is not None, topic_exercises=exercises, note=note)


def _exercises_by_order(bank: Bank) -> dict[str, tuple[str, ...]]:
    return {topic.id: tuple(exercise.id for exercise in module.exercises)
            for module in bank.taxonomy.modules for topic in module.topics}


def _exercises_by_similarity(bank: Bank, embedder: Embedder) -> dict[str, tuple[str, ...]]:
    """Each topic's module exercises, the one whose title is closest to the topic's first."""
    ranked: dict[str, tuple[str, ...]] = {}
    for module in bank.taxonomy.modules:
        if not module.exercises:
            ranked.update({topic.id: () for topic in module.topics})
            continue
        topics = embedder.encode([topic.title for topic in module.topics])
        exercises = embedder.encode([exercise.title for exercise in module.exercises])
        similarity = topics @ exercises.T
        for row, topic in enumerate(module.topics):
            ranked[topic.id] = tuple(module.exercises[int(column)].id for column in np.argsort(-similarity[row]))
    return ranked


def _csls(bank: Bank, questions: list[Question], embedder: Embedder) -> FloatArray:
    """(all rubric points, topics) hubness-corrected similarity."""
    points = embedder.encode([point_text(question, point) for question in questions for point in question.rubric])
    topics = embedder.encode(topic_texts(bank))
    cosine = (points @ topics.T).astype(np.float64)
    neighbours = min(CSLS_NEIGHBOURS, cosine.shape[0], cosine.shape[1])
    point_density = np.sort(cosine, axis=1)[:, -neighbours:].mean(axis=1, keepdims=True)
    topic_density = np.sort(cosine, axis=0)[-neighbours:, :].mean(axis=0, keepdims=True)
    return np.asarray(2 * cosine - point_density - topic_density, dtype=np.float64)


def extra_weight(similarity: float) -> float:
    """Weight of an untagged topic placed by similarity: grows with similarity, always below a tag's 1.0."""
    rise = (similarity - CSLS_THRESHOLD) / (CSLS_FULL - CSLS_THRESHOLD)
    return float(EXTRA_WEIGHT_MIN + (EXTRA_WEIGHT_MAX - EXTRA_WEIGHT_MIN) * np.clip(rise, 0.0, 1.0))


def _item_placement(question: Question, tagged: list[int], similarity: FloatArray | None) -> ItemPlacement:
    per_point: list[dict[int, float]] = []
    for number in range(len(question.rubric)):
        weights = dict.fromkeys(tagged, 1.0)
        if similarity is not None:
            scores = similarity[number]
            for topic in np.argsort(-scores)[:EXTRA_TOPICS + len(tagged)]:
                topic = int(topic)
                if topic in weights or scores[topic] < CSLS_THRESHOLD:
                    continue
                if sum(1 for t in weights if t not in tagged) >= EXTRA_TOPICS:
                    break
                weights[topic] = extra_weight(float(scores[topic]))
        per_point.append(weights)
    columns = list(dict.fromkeys([*tagged, *(topic for weights in per_point for topic in weights)]))
    matrix = np.zeros((len(question.rubric), len(columns)), dtype=np.float64)
    for number, weights in enumerate(per_point):
        for topic, weight in weights.items():
            matrix[number, columns.index(topic)] = weight
    scores = similarity[:, columns] if similarity is not None else np.full(matrix.shape, np.nan)
    shares = np.array([point.weight for point in question.rubric], dtype=np.float64)
    return ItemPlacement(item_id=question.id, point_ids=tuple(point.id for point in question.rubric),
                         point_shares=shares / shares.sum(), topics=np.array(columns, dtype=np.int64), matrix=matrix,
                         similarity=np.asarray(scores, dtype=np.float64),
                         tagged=np.array(tagged, dtype=np.int64))
