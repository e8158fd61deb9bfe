from __future__ import annotations

import pytest

from training.ml.responder import DEFAULT_BASE_MODEL, ResponderConfig


def test_defaults_round_trip_through_a_dict() -> None:
    config = ResponderConfig()
    assert config.base_model == DEFAULT_BASE_MODEL and config.method == "full"
    assert config.temperature == 0 and config.max_new_tokens == 96
    assert ResponderConfig.from_dict(config.to_dict()) == config
    assert set(ResponderConfig.help_texts()) == set(ResponderConfig.defaults())


def test_learning_rate_follows_the_method_unless_given() -> None:
    assert ResponderConfig().effective_learning_rate == 5e-5
    assert ResponderConfig(method="lora").effective_learning_rate == 2e-4
    assert ResponderConfig(method="lora", learning_rate=1e-3).effective_learning_rate == 1e-3


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"method": "qlora"}, "method must be 'full' or 'lora'"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"max_steps": -1}, "max_steps must be an integer >= 0"),
        ({"held_out_fraction": 0.9}, "held_out_fraction"),
        ({"temperature": -0.5}, "temperature"),
        ({"repetition_penalty": 0.5}, "repetition_penalty"),
        ({"max_reply_tokens": 900, "max_length": 512}, "max_reply_tokens must be smaller"),
        ({"device": "tpu"}, "device must be one of"),
        ({"lora_target_modules": []}, "lora_target_modules"),
        ({"learning_rate": 0}, "learning_rate must be > 0"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ResponderConfig(**values)


def test_unknown_options_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown ResponderConfig option"):
        ResponderConfig.from_dict({"epochz": 3})


def test_importing_the_package_loads_no_heavy_library() -> None:
    import subprocess
    import sys
    from pathlib import Path

    heavy = ("torch", "transformers", "peft", "rouge_score", "numpy", "django", "celery")
    code = f"import sys, training.ml.responder\nprint(','.join(m for m in {heavy!r} if m in sys.modules))"
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
