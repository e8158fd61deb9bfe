"""The demo responder's LoRA path: adapters train, are merged into plain Llama weights that differ from the
base, and the merged folder is served by llama.cpp through the unchanged GGUF export."""

from __future__ import annotations

import pytest

from training.ml.responder import ResponderConfig, load_responder, train
from training.ml.responder.base import DEFAULT_BASE_MODEL, resolve_base_model

pytestmark = pytest.mark.slow


def test_lora_trains_merges_and_is_served_by_llamacpp(tmp_path, responder_base_dir, responder_pairs) -> None:
    from safetensors import safe_open

    # A high learning rate on two small adapters so two steps visibly move the merged weights.
    config = ResponderConfig(base_cache_dir=str(responder_base_dir), method="lora", lora_r=4, lora_alpha=8,
                             lora_target_modules=["q_proj", "v_proj"], learning_rate=1e-2, max_steps=2, batch_size=2,
                             grad_accum=1, max_length=256, max_prompt_tokens=224, max_reply_tokens=64,
                             held_out_fraction=0.0, warmup_ratio=0.0, device="cpu", torch_threads=1, max_new_tokens=8)
    result = train(responder_pairs, tmp_path / "lora", config)
    assert result.meta["method"] == "lora" and result.metrics["steps"] == 2
    name = "model.layers.0.self_attn.q_proj.weight"
    untouched = "model.layers.0.self_attn.k_proj.weight"
    base = resolve_base_model(DEFAULT_BASE_MODEL, cache_dir=responder_base_dir)
    with safe_open(f"{base}/model.safetensors", "pt") as before, \
            safe_open(str(tmp_path / "lora" / "model" / "model.safetensors"), "pt") as after:
        assert not any("lora" in key for key in after.keys())
        assert not after.get_tensor(name).equal(before.get_tensor(name))
        assert after.get_tensor(untouched).equal(before.get_tensor(untouched))
    served = load_responder(tmp_path / "lora", backend="llamacpp", threads=1)
    assert served.answer(responder_pairs[0].input, max_new_tokens=8).text.strip()
    assert (tmp_path / "lora" / "model" / "llamacpp-f16.gguf").is_file()
