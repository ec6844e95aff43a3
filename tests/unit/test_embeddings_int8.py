"""The int8 MiniLM's layer selection: which Linear layers stay fp32, and the embedder names that keep stored
vectors of different models apart. A small model with MiniLM's layer names stands in for the real one (the real
model's vectors: tests/integration/test_embeddings_int8.py)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

from workers.embeddings import (
    LocalEmbedder,
    LocalInt8Embedder,
    encoder_linear_layers,
    int8_name,
    quantize_int8,
    short_layer,
)

DIM, FFN = 16, 32


def block() -> nn.Module:
    """One BERT encoder layer's Linear modules, named as in transformers' BertLayer."""
    attention = nn.Module()
    attention.self = nn.Module()  # type: ignore[assignment]
    for name in ("query", "key", "value"):
        setattr(attention.self, name, nn.Linear(DIM, DIM))
    attention.output = nn.Module()  # type: ignore[assignment]
    attention.output.dense = nn.Linear(DIM, DIM)
    layer = nn.Module()
    layer.attention = attention  # type: ignore[assignment]
    layer.intermediate = nn.Module()  # type: ignore[assignment]
    layer.intermediate.dense = nn.Linear(DIM, FFN)
    layer.output = nn.Module()  # type: ignore[assignment]
    layer.output.dense = nn.Linear(FFN, DIM)
    return layer


def toy_model(layers: int = 6) -> nn.Module:
    torch.manual_seed(0)
    model = nn.Module()
    model.encoder = nn.Module()  # type: ignore[assignment]
    model.encoder.layer = nn.ModuleList(block() for _ in range(layers))
    model.pooler = nn.Module()  # type: ignore[assignment]
    model.pooler.dense = nn.Linear(DIM, DIM)
    return model


def module(model: nn.Module, name: str) -> nn.Module:
    return dict(model.named_modules())[name]


def test_short_layer_names():
    assert short_layer("0.model.encoder.layer.5.output.dense") == "L5.ffn_out"
    assert short_layer("encoder.layer.0.attention.output.dense") == "L0.attn_out"
    assert short_layer("encoder.layer.3.intermediate.dense") == "L3.ffn_in"
    assert short_layer("encoder.layer.2.attention.self.value") == "L2.v"
    assert short_layer("L4.q") == "L4.q"  # already short
    with pytest.raises(ValueError):
        short_layer("pooler.dense")
    with pytest.raises(ValueError):
        short_layer("encoder.layer.1.attention.self.nothing")


def test_listed_layers_stay_fp32_and_every_other_linear_is_int8():
    model = toy_model()
    kept = ("L1.ffn_out", "encoder.layer.0.attention.self.query")
    quantized = quantize_int8(model, kept)
    fp32_names = {n for n, m in quantized.named_modules() if type(m) is nn.Linear}
    int8_names = {n for n, m in quantized.named_modules() if isinstance(m, DynamicLinear)}
    assert fp32_names == {"encoder.layer.1.output.dense", "encoder.layer.0.attention.self.query"}
    assert len(int8_names) == 6 * 6 + 1 - 2  # the pooler too
    # A kept layer is the original layer (same weights, same output); the input model is left fp32.
    x = torch.randn(3, FFN)
    original = module(model, "encoder.layer.1.output.dense")
    assert torch.equal(module(quantized, "encoder.layer.1.output.dense")(x), original(x))
    assert all(type(m) is nn.Linear for n, m in model.named_modules() if n.endswith(("dense", "query", "key", "value")))
    # A quantized layer computes about the same thing, not exactly the same.
    y = torch.randn(3, FFN)
    q_out = module(quantized, "encoder.layer.2.output.dense")(y)
    f_out = module(model, "encoder.layer.2.output.dense")(y)
    assert not torch.equal(q_out, f_out)
    assert torch.allclose(q_out, f_out, atol=0.05)


def test_no_kept_layer_quantizes_all_and_a_typo_is_refused():
    quantized = quantize_int8(toy_model(), ())
    assert not any(type(m) is nn.Linear for m in quantized.modules())
    with pytest.raises(ValueError, match=r"L9\.ffn_out"):
        quantize_int8(toy_model(), ("L9.ffn_out",))  # MiniLM-L6 has layers 0-5: it would silently keep none


def test_encoder_linear_layers_lists_the_encoder_only():
    names = encoder_linear_layers(toy_model(2))
    assert len(names) == 12 and "pooler.dense" not in names
    assert [short_layer(n) for n in names[:6]] == ["L0.q", "L0.k", "L0.v", "L0.attn_out", "L0.ffn_in", "L0.ffn_out"]


def test_the_int8_embedders_name_says_which_layers_are_fp32():
    # The configured layer set names real MiniLM-L6 layers (checked without loading the model).
    quantized = quantize_int8(toy_model(6), LocalInt8Embedder.FP32_LAYERS)
    kept = {short_layer(n) for n, m in quantized.named_modules() if type(m) is nn.Linear}
    assert kept == {short_layer(n) for n in LocalInt8Embedder.FP32_LAYERS}
    assert LocalInt8Embedder.name == int8_name(LocalInt8Embedder.FP32_LAYERS)
    # Distinct from fp32 and, with fp32 layers, from the every-layer int8 model whose vectors may be stored:
    # switching re-embeds instead of mixing two models' vectors.
    assert LocalInt8Embedder.name != LocalEmbedder.name
    assert int8_name(()) == LocalInt8Embedder.ALL_INT8_NAME == "local-int8:all-MiniLM-L6-v2"
    if LocalInt8Embedder.FP32_LAYERS:
        assert LocalInt8Embedder.name != LocalInt8Embedder.ALL_INT8_NAME
    assert int8_name(("L5.ffn_out", "L0.q")) == int8_name(("encoder.layer.0.attention.self.query", "L5.ffn_out"))
    assert int8_name(("L5.ffn_out",)) != int8_name(("L4.ffn_out",))
