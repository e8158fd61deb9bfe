"""Real fine-tuning of SmolLM2-135M-Instruct for a few steps on CPU (the session fixture), then
reloading, streaming, answering and evaluating with it."""

from __future__ import annotations

import json
import math

import pytest

from training.ml.responder import (
    ARTIFACT_KIND,
    FORMAT_VERSION,
    ResponderConfig,
    TrainingCancelled,
    data_hash,
    evaluate,
    load_responder,
    read_pairs,
    train,
)

pytestmark = pytest.mark.slow


def test_fine_tuning_lowers_the_loss_and_the_held_out_perplexity(trained_responder) -> None:
    m = trained_responder.result.metrics
    assert len(m["loss_per_step"]) == m["steps"] == 6
    assert all(math.isfinite(x) for x in m["loss_per_step"])
    assert m["train_loss_last_k_mean"] < 0.7 * m["train_loss_first_k_mean"]
    assert m["held_out_perplexity_after"] < m["held_out_perplexity_before"]


def test_the_artifact_records_what_was_trained(trained_responder) -> None:
    path, meta = trained_responder.path, trained_responder.result.meta
    on_disk = json.loads((path / "meta.json").read_text())
    assert on_disk["kind"] == ARTIFACT_KIND and on_disk["format_version"] == FORMAT_VERSION
    assert on_disk["base_model"] == "smollm2-135m-instruct" and on_disk["method"] == "full"
    assert on_disk["data"]["sha256"] == data_hash(trained_responder.pairs) == meta["data"]["sha256"]
    assert ResponderConfig.from_dict(on_disk["config"]).max_steps == 6
    held = read_pairs(path / "held_out.jsonl")
    assert len(held) == on_disk["data"]["n_held_out"] >= 1
    assert not list(path.parent.glob(".artifact.*"))  # no scratch folder left behind
    steps = [p.step for p in trained_responder.progress]
    assert steps == sorted(steps) and steps[-1] == 6 and trained_responder.progress[-1].phase == "evaluate"


def test_the_reloaded_responder_streams_the_same_text_it_answers(responder, trained_responder) -> None:
    inp = read_pairs(trained_responder.path / "held_out.jsonl")[0].input
    pieces = list(responder.stream(inp, max_new_tokens=20))
    answer = responder.answer(inp, max_new_tokens=20)
    assert len(pieces) >= 3
    assert "".join(pieces) == answer.text
    assert answer.text.strip()
    assert set(answer.cited_article_ids) <= {p.article_id for p in inp.passages}


def test_generation_stops_at_the_token_cap(responder, trained_responder) -> None:
    inp = trained_responder.pairs[0].input
    ids = responder.tokenizer("".join(responder.stream(inp, max_new_tokens=3)), add_special_tokens=False)["input_ids"]
    assert 1 <= len(ids) <= 3


def test_evaluate_scores_the_held_out_pairs(responder, trained_responder) -> None:
    held = read_pairs(trained_responder.path / "held_out.jsonl")
    report = evaluate(responder, held, max_new_tokens=16)
    assert report["n_pairs"] == len(held) == len(report["records"])
    assert report["perplexity"] == pytest.approx(trained_responder.result.metrics["held_out_perplexity_after"], rel=1e-3)
    for key in ("rouge_l_f1", "no_citation_rate", "handoff_rate"):
        assert 0.0 <= report[key] <= 1.0
    assert all(r["reply"] and r["reply_tokens"] > 0 for r in report["records"])


def test_lora_adapters_are_merged_into_a_plain_model(tmp_path, responder_base_dir, responder_pairs) -> None:
    from safetensors import safe_open

    config = ResponderConfig(base_cache_dir=str(responder_base_dir), method="lora", max_steps=1, batch_size=1,
                             grad_accum=1, max_length=256, max_prompt_tokens=224, max_reply_tokens=96,
                             held_out_fraction=0.0, device="cpu", max_new_tokens=4)
    result = train(responder_pairs, tmp_path / "lora", config)
    weights = tmp_path / "lora" / "model" / "model.safetensors"
    with safe_open(str(weights), "pt") as handle:
        keys = list(handle.keys())
    assert keys and not any("lora" in k for k in keys)
    assert not (tmp_path / "lora" / "model" / "adapter_config.json").exists()
    assert result.metrics["held_out_perplexity_before"] is None
    responder = load_responder(tmp_path / "lora")
    assert isinstance(responder.answer(responder_pairs[0].input).text, str)


def test_should_stop_cancels_and_leaves_no_artifact(tmp_path, responder_base_dir, responder_pairs) -> None:
    config = ResponderConfig(base_cache_dir=str(responder_base_dir), max_steps=3, held_out_fraction=0.0,
                             max_length=256, max_prompt_tokens=224, max_reply_tokens=96, device="cpu")
    with pytest.raises(TrainingCancelled, match="step 0/3"):
        train(responder_pairs, tmp_path / "out", config, should_stop=lambda: True)
    assert list(tmp_path.iterdir()) == []
