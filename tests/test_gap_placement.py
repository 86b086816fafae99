"""Placement of rubric points on topics with the real MiniLM model (the first test pays the cold encode)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gap_engine import embeddings
from gap_engine.embeddings import Embedder, EmbeddingUnavailable, text_hash
from gap_engine.placement import (
    EXTRA_TOPICS,
    EXTRA_WEIGHT_MAX,
    EXTRA_WEIGHT_MIN,
    Placement,
    compute_placement,
    place_bank,
    point_text,
    topic_texts,
)
from question_bank.loader import Bank
from question_bank.models import Category
from tests.synthetic_learners import gap_embedder
from tutor.storage import Storage


@pytest.fixture(scope="module")
def placed(bank: Bank) -> Placement:
    return place_bank(bank, gap_embedder())


def test_tags_win_with_weight_one_and_similarity_adds_fewer_lighter_topics(bank: Bank, placed: Placement) -> None:
    assert placed.embedded
    extras = 0
    for question in bank:
        for point in question.rubric:
            topics = placed.point_topics(question.id, point.id)
            tagged = {topic.topic_id: topic.weight for topic in topics if topic.tagged}
            assert tagged == dict.fromkeys(question.topics, 1.0)
            added = [topic for topic in topics if not topic.tagged]
            assert len(added) <= EXTRA_TOPICS
            assert all(EXTRA_WEIGHT_MIN <= topic.weight <= EXTRA_WEIGHT_MAX < 1 for topic in added)
            extras += len(added)
    assert extras > 10  # similarity does add topics...
    assert extras < sum(len(q.rubric) for q in bank) / 5  # ...but only where a point clearly tests one


@pytest.mark.parametrize(("item_id", "point_id", "topic_id"), [
    # "Names the cost - indirection and non-contiguous access in the attention kernel": the attention topic
    ("core.paged-attention", "costs", "m2.traditional-attention-memory-bottlenecks-and-inefficiencies"),
    # structured output's point about masks per speculative position also tests speculative decoding
    ("arch.structured-output-architecture", "interactions", "m8.speculative-decoding-draft-and-verify"),
])
def test_a_point_also_counts_toward_the_topic_it_really_tests(bank: Bank, placed: Placement, item_id: str,
                                                              point_id: str, topic_id: str) -> None:
    question = bank.get(item_id)
    assert topic_id not in question.topics
    topics = {topic.topic_id: topic for topic in placed.point_topics(item_id, point_id)}
    assert topic_id in topics
    assert 0 < topics[topic_id].weight < 1 and topics[topic_id].similarity is not None
    other_points = [p.id for p in question.rubric if p.id != point_id]
    assert not any(topic_id in {t.topic_id for t in placed.point_topics(item_id, p)} for p in other_points)


def test_behavioral_points_count_toward_their_tags_only(bank: Bank, placed: Placement) -> None:
    for question in bank:
        if question.category == Category.BEHAVIORAL:
            for point in question.rubric:
                assert all(topic.tagged for topic in placed.point_topics(question.id, point.id))


def test_placement_is_computed_once_and_a_restart_reads_vectors_from_the_database(bank: Bank, tmp_path: Path) -> None:
    first = place_bank(bank, gap_embedder())
    assert place_bank(bank, gap_embedder()) is first
    # What a first run leaves in the database: every text's vector (copied here from the warm shared embedder).
    storage = Storage(tmp_path / "tutor.db")
    texts = [point_text(question, point) for question in bank for point in question.rubric] + topic_texts(bank) + \
        [item.title for module in bank.taxonomy.modules for item in [*module.topics, *module.exercises]]
    vectors = gap_embedder().encode(texts)
    storage.cache_embeddings({text_hash(text): vector.tobytes() for text, vector in zip(texts, vectors, strict=True)},
                             embeddings.MODEL_NAME, embeddings.DIMENSIONS)
    restarted = Embedder(storage)
    again = compute_placement(bank, restarted)
    assert not restarted.loaded  # nothing re-encoded: the model was never loaded
    assert again.point_topics("core.paged-attention", "costs") == first.point_topics("core.paged-attention", "costs")


def test_without_the_model_points_count_toward_their_tags_only(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> Path:
        raise EmbeddingUnavailable("The offline embedding model is not installed")

    monkeypatch.setattr(embeddings, "model_path", missing)
    placement = compute_placement(bank, Embedder())
    assert not placement.embedded and "unavailable" in placement.note
    item = placement.items["core.paged-attention"]
    assert np.all(item.matrix == 1.0)
    assert [placement.topic_ids[i] for i in item.topics] == bank.get("core.paged-attention").topics


def test_exercises_are_ranked_by_relevance_to_the_topic(placed: Placement) -> None:
    assert placed.topic_exercises["m3.fused-kernels"][0] == "ex3.3"  # "Implement and benchmark a fused RoPE kernel"
    assert placed.topic_exercises["m9.core-concepts"] == ()
