"""How much of each rubric point an answer covers, from sentence embeddings and key-concept matches.

The answer is split into units (sentences, bullet items, code blocks). A rubric point is covered by the best unit's
similarity to the point text and by how many of its key concepts the answer names, either literally (technical terms
like "GQA" or "coalescing" embed poorly on their own, so an exact or stemmed match counts fully) or by a unit close to
the concept in meaning. A misconception counts as stated when a unit is close to the claim, closer to it than to the
correction, and not negated: "X is not true" or a sentence that gives the correction must not cost the candidate.

The score here is raw coverage (0-1) without the misconception penalty: the interviewer uses it to choose follow-ups,
and the graders (``rubrics.embedding_grader``) charge for misconceptions. Thresholds are calibrated on
``tests/calibration`` (see ``benchmarks/grading.py``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import BaseModel, Field

from gap_engine.embeddings import cosine

if TYPE_CHECKING:
    from gap_engine.embeddings import Embedder
    from question_bank.models import Question, RubricPoint

# Point-text similarity: below LOW earns nothing, at HIGH and above earns everything, linear between.
POINT_SIMILARITY_LOW = 0.25
POINT_SIMILARITY_HIGH = 0.55
# A key concept counts as named when a unit is at least this close to it in meaning (literal matches always count).
CONCEPT_SIMILARITY = 0.60
# Shares of a point's score: the whole-point similarity and the fraction of key concepts named.
POINT_SHARE = 0.6
CONCEPT_SHARE = 0.4
# Naming this fraction of a point's key concepts earns the whole concept share: a complete answer rarely names all.
CONCEPTS_FOR_FULL = 0.5
# Raw coverage is divided by the coverage the bank's model answer earns on the same point (at least this much), so
# a point whose wording embeds poorly (behavioural points are abstract) is not out of reach.
REFERENCE_FLOOR = 0.4
# A misconception is stated when a unit is this close to its claim and closer to the claim than to the correction.
MISCONCEPTION_SIMILARITY = 0.72
MISCONCEPTION_MARGIN = 0.05
# ...and uses at least this share of the claim's content words, with few words that only the correction uses.
MISCONCEPTION_WORD_SHARE = 0.75
MISCONCEPTION_CORRECTION_WORDS = 1  # more words of the correction than this (and than a quarter of the claim's) clear it
# A point scoring at least this is treated as covered (the interviewer probes the ones below).
POINT_COVERED = 0.5

# Words that flip the polarity of a sentence, or say outright that a claim is wrong.
_NEGATIONS = re.compile(
    r"\b(not|no|never|none|neither|nor|cannot|can't|isn't|aren't|doesn't|don't|didn't|won't|wasn't|weren't|"
    r"shouldn't|wouldn't|hasn't|haven't|myth|misconception|wrong|false|incorrect|mistaken|contrary|"
    r"rather than|instead of|unlike|no longer)\b",
    re.IGNORECASE,
)
_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
# A sentence ends at . ! ? and white space, unless the word before is an abbreviation ("e.g.", "vs.", "Fig.").
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
_ABBREVIATIONS = {"e.g.", "i.e.", "vs.", "etc.", "cf.", "approx.", "fig.", "eq.", "no.", "dr.", "mr.", "ms.", "al."}
_WORD = re.compile(r"[a-z0-9]+(?:[._+-][a-z0-9]+)*")
_MAX_UNIT_CHARS = 400  # the model reads 256 word pieces; longer units are cut at clause boundaries first


class PointCoverage(BaseModel):
    point_id: str
    score: Annotated[float, Field(ge=0, le=1)]
    evidence: str | None = None  # the answer unit that covers the point best
    concepts_hit: list[str] = []
    misconceptions: list[str] = []  # claims (as the rubric words them) the answer states


def split_units(text: str) -> list[str]:
    """Sentences, bullet items and code blocks of an answer, in order, without empty or trivial pieces."""
    units: list[str] = []
    position = 0
    for block in _CODE_BLOCK.finditer(text):
        units.extend(_prose_units(text[position:block.start()]))
        code = block.group(0).strip("`").strip()
        if code:
            units.append(code[:_MAX_UNIT_CHARS * 2])
        position = block.end()
    units.extend(_prose_units(text[position:]))
    return [unit for unit in units if len(_WORD.findall(unit.lower())) >= 2]


def _prose_units(text: str) -> list[str]:
    units: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            units.extend(_sentences(" ".join(paragraph)))
            paragraph.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
        elif _BULLET.match(stripped):
            flush()
            paragraph.append(_BULLET.sub("", stripped))
        else:
            paragraph.append(stripped)
    flush()
    return units


def _sentences(paragraph: str) -> list[str]:
    pieces: list[str] = []
    for sentence in _split_sentences(paragraph):
        while len(sentence) > _MAX_UNIT_CHARS:
            cut = max(sentence.rfind("; ", 0, _MAX_UNIT_CHARS), sentence.rfind(", ", 0, _MAX_UNIT_CHARS))
            cut = cut if cut > _MAX_UNIT_CHARS // 3 else _MAX_UNIT_CHARS
            pieces.append(sentence[:cut + 1].strip())
            sentence = sentence[cut + 1:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces


def _split_sentences(paragraph: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(paragraph):
        last_word = paragraph[:match.start()].rsplit(None, 1)[-1].lower()
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        sentences.append(paragraph[start:match.start()].strip())
        start = match.end()
    sentences.append(paragraph[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _stem(word: str) -> str:
    """A light stemmer: enough that 'coalesce', 'coalesced' and 'coalescing' meet, and 'GPUs' matches 'GPU'."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "ly", "s"):
        if len(word) > len(suffix) + (2 if suffix == "s" else 3) and word.endswith(suffix):
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def _stems(text: str) -> list[str]:
    return [_stem(word) for word in _WORD.findall(text.lower().replace("-", " "))]


_STOP = {"a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "with", "by", "per", "vs", "is", "as", "at", "it",
         "its", "they", "this", "that", "be", "are", "was", "were", "from", "so", "than", "then", "which", "there", "has",
         "have", "can", "will", "would", "about", "into", "not", "no", "but", "if", "when"}  # quantifiers (only, all) stay


def concept_named(concept: str, answer_stems: list[str], answer_stem_set: set[str]) -> bool:
    """The concept's words appear in the answer: as a phrase, or (for 2-3 word concepts) all of them somewhere."""
    words = [stem for stem in _stems(concept) if stem not in _STOP]
    if not words:
        return False
    if len(words) == 1:
        return words[0] in answer_stem_set
    size = len(words)
    for start in range(len(answer_stems) - size + 1):
        if answer_stems[start:start + size] == words:
            return True
    return size <= 3 and all(word in answer_stem_set for word in words) and all(len(word) > 2 for word in words)


def _negated(sentence: str) -> int:
    return len(_NEGATIONS.findall(sentence))


def point_coverage(question: Question, answer_text: str, embedder: Embedder) -> list[PointCoverage]:
    """Coverage of each rubric point of ``question`` by ``answer_text``, in rubric order.

    Scores are relative to the bank's model answer: an answer covering a point as well as the model answer does
    scores 1.0 on it.
    """
    reference = _reference_scores(question, embedder)
    raw = _raw_coverage(question, answer_text, embedder)
    return [item.model_copy(update={"score": round(min(1.0, item.score / max(best, REFERENCE_FLOOR)), 4)})
            for item, best in zip(raw, reference, strict=True)]


_reference_cache: dict[tuple[str, str], list[float]] = {}


def _reference_scores(question: Question, embedder: Embedder) -> list[float]:
    key = (question.id, question.model_answer)
    if key not in _reference_cache:
        _reference_cache[key] = [item.score for item in _raw_coverage(question, question.model_answer, embedder)]
    return _reference_cache[key]


def _raw_coverage(question: Question, answer_text: str, embedder: Embedder) -> list[PointCoverage]:
    units = split_units(answer_text)
    if not units:
        return [PointCoverage(point_id=point.id, score=0.0) for point in question.rubric]
    unit_vectors = embedder.encode(units)
    answer_stems = _stems(answer_text)
    answer_stem_set = set(answer_stems)
    return [_cover(point, units, unit_vectors, answer_stems, answer_stem_set, embedder) for point in question.rubric]


def _cover(point: RubricPoint, units: list[str], unit_vectors: np.ndarray, answer_stems: list[str],
           answer_stem_set: set[str], embedder: Embedder) -> PointCoverage:
    point_similarity = cosine(unit_vectors, embedder.encode([point.text]))[:, 0]
    concept_similarity = cosine(unit_vectors, embedder.encode(point.key_concepts))  # (units, concepts)
    concepts_hit = [concept for index, concept in enumerate(point.key_concepts)
                    if concept_named(concept, answer_stems, answer_stem_set)
                    or float(concept_similarity[:, index].max()) >= CONCEPT_SIMILARITY]
    best = int(point_similarity.argmax())
    similarity_part = _ramp(float(point_similarity[best]), POINT_SIMILARITY_LOW, POINT_SIMILARITY_HIGH)
    needed = max(1.0, CONCEPTS_FOR_FULL * len(point.key_concepts))
    concept_part = min(1.0, len(concepts_hit) / needed)
    score = POINT_SHARE * similarity_part + CONCEPT_SHARE * concept_part
    evidence = _evidence(units, point_similarity, concept_similarity) if score > 0 else None
    return PointCoverage(point_id=point.id, score=round(min(1.0, score), 4), evidence=evidence,
                         concepts_hit=concepts_hit, misconceptions=_stated(point, units, unit_vectors, embedder))


def _evidence(units: list[str], point_similarity: np.ndarray, concept_similarity: np.ndarray) -> str:
    """The unit that best supports the point: close to the point text or to one of its key concepts."""
    support = np.maximum(point_similarity, concept_similarity.max(axis=1))
    return units[int(support.argmax())]


def _stated(point: RubricPoint, units: list[str], unit_vectors: np.ndarray, embedder: Embedder) -> list[str]:
    if not point.misconceptions:
        return []
    claims = embedder.encode([item.claim for item in point.misconceptions])
    corrections = embedder.encode([item.correction for item in point.misconceptions])
    to_claim = cosine(unit_vectors, claims)
    to_correction = cosine(unit_vectors, corrections)
    stated: list[str] = []
    for index, item in enumerate(point.misconceptions):
        for row in np.argsort(-to_claim[:, index]):
            claim_similarity = float(to_claim[row, index])
            if claim_similarity < MISCONCEPTION_SIMILARITY:
                break
            if claim_similarity - float(to_correction[row, index]) < MISCONCEPTION_MARGIN:
                continue  # the sentence is about as close to the correction: it corrects, it does not claim
            if _negated(units[row]) % 2 != _negated(item.claim) % 2:
                continue  # "X is not the case" against a claim "X is the case"
            if not _words_say_claim(units[row], item.claim, item.correction):
                continue
            stated.append(item.claim)
            break
    return stated


def _content(text: str) -> set[str]:
    return {stem for stem in _stems(text) if stem not in _STOP and len(stem) > 1}


def _words_say_claim(sentence: str, claim: str, correction: str) -> bool:
    """The sentence uses the claim's own words, and not mostly the words only the correction uses.

    The embedding puts "TP splits the layers across GPUs" and "TP splits each layer's weight matrices across GPUs"
    close together; the words tell them apart ("weight matrices" belongs to the correction).
    """
    claim_words, correction_words, words = _content(claim), _content(correction), _content(sentence)
    if not claim_words:
        return True
    if len(claim_words & words) / len(claim_words) < MISCONCEPTION_WORD_SHARE:
        return False
    claim_only = len((claim_words - correction_words) & words)
    correction_only = len((correction_words - claim_words) & words)
    return correction_only <= max(MISCONCEPTION_CORRECTION_WORDS, claim_only / 4)


def _ramp(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))
