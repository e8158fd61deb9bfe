"""The responder over an OpenAI-compatible chat-completions server (`RESPONDER_BACKEND=openai`).

llama.cpp's server, vLLM, TGI and Ollama all stream ``POST {base}/chat/completions`` with ``stream: true``
as server-sent events: ``data: {json chunk}`` lines, ``data: [DONE]`` at the end. The prompt is the one the
in-process backends compute (the version's own tokenizer trims passages and history to the same budget,
``prompt.prompt_messages``); the server applies the chat template the fine-tune carries in its GGUF or
tokenizer_config.json. The text pieces go through the same answer tiers, so grounding checks, citations,
stop rules and PII scrubbing are unchanged.

A server that cannot be reached, answers with an HTTP error, sends no token within the first-token timeout,
runs past the whole-reply timeout, sends a chunk that is not a chat-completion chunk, or closes the stream
without ``[DONE]`` raises ``ResponderUnavailable``: the pipeline hands the customer off with the ``error``
reason. ``[DONE]`` after no text is an empty reply, which the tier treats like any empty generation.
The server address is the operator's setting, never anything a customer sends. Standard library only.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conversations.bot.pipeline import HandoffReason, NoAnswer
from training.ml.common.errors import ArtifactError
from training.ml.responder.artifact import MODEL_DIR, read_artifact_meta
from training.ml.responder.prompt import ResponderInput, prompt_messages

logger = logging.getLogger(__name__)

MAX_LINE = 1 << 20  # one SSE line; a chat chunk is a few hundred bytes
MAX_ERROR_BODY = 300  # characters of an error response kept for the log


class ResponderUnavailable(NoAnswer):
    """The inference server did not deliver a reply: the customer is handed off with the error reason."""

    def __init__(self, detail: str) -> None:
        super().__init__(HandoffReason.ERROR, detail)


@dataclass(frozen=True)
class ServerConfig:
    url: str  # base URL with its /v1, e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str = ""
    connect_timeout: float = 3.0
    first_token_timeout: float = 15.0
    timeout: float = 60.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ArtifactError(f"RESPONDER_URL must be an http(s) base URL such as http://inference:8080/v1, not {self.url!r}")
        if not self.model:
            raise ArtifactError("RESPONDER_MODEL must name the model the server serves")
        if min(self.connect_timeout, self.first_token_timeout, self.timeout) <= 0:
            raise ArtifactError("the responder server's timeouts must be positive")


def _connection(config: ServerConfig) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(config.url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = parts.path.rstrip("/") + "/chat/completions"
    return kind(parts.hostname, parts.port, timeout=config.connect_timeout), path


def _events(response: http.client.HTTPResponse, sock_timeout: Any) -> Iterator[str]:
    """The data of each server-sent event (``data:`` lines joined), comments and other fields skipped."""
    data: list[str] = []
    while True:
        sock_timeout()
        raw = response.readline(MAX_LINE)
        if not raw:
            if data:
                yield "\n".join(data)
            return
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data:
                yield "\n".join(data)
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


def _delta_text(payload: str) -> str:
    """The text a chat-completion chunk adds; ResponderUnavailable for anything else."""
    try:
        chunk = json.loads(payload)
    except ValueError:
        raise ResponderUnavailable(f"malformed chunk from the responder server: {payload[:80]!r}") from None
    if not isinstance(chunk, dict):
        raise ResponderUnavailable("the responder server sent a chunk that is not a JSON object")
    if "error" in chunk:
        raise ResponderUnavailable(f"the responder server reported an error: {str(chunk['error'])[:MAX_ERROR_BODY]}")
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        raise ResponderUnavailable("the responder server sent a chunk without choices")
    if not choices:
        return ""  # a usage-only chunk
    first = choices[0]
    delta = first.get("delta") if isinstance(first, dict) else None
    if not isinstance(delta, dict):
        raise ResponderUnavailable("the responder server sent a choice without a delta")
    content = delta.get("content")
    if content is not None and not isinstance(content, str):
        raise ResponderUnavailable("the responder server sent non-text content")
    return content or ""


def stream_chat(config: ServerConfig, messages: list[dict[str, str]], *, max_tokens: int,
                temperature: float) -> Iterator[str]:
    """The reply's text as the server streams it. Closing the generator closes the connection, so a
    customer who leaves stops the generation on the server too."""
    body = json.dumps({"model": config.model, "messages": messages, "stream": True, "max_tokens": max_tokens,
                       "temperature": temperature}).encode()
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    started = time.monotonic()
    deadline = started + config.timeout
    conn, path = _connection(config)
    got_text = False

    def sock_timeout() -> None:
        # Until the first token the server may be queueing and prefilling; after it, only the whole-reply bound.
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        bound = left if got_text else min(left, started + config.first_token_timeout - time.monotonic())
        if bound <= 0:
            raise TimeoutError
        if conn.sock is not None:
            conn.sock.settimeout(bound)

    try:
        try:
            conn.request("POST", path, body=body, headers=headers)
            sock_timeout()
            response = conn.getresponse()
        except TimeoutError:
            raise ResponderUnavailable(f"the responder server at {config.url} did not answer in time") from None
        except OSError as exc:
            raise ResponderUnavailable(f"cannot reach the responder server at {config.url}: {exc.__class__.__name__}") from None
        if response.status != 200:
            detail = response.read(MAX_ERROR_BODY).decode("utf-8", errors="replace")
            raise ResponderUnavailable(f"the responder server answered HTTP {response.status}: {detail}")
        try:
            for payload in _events(response, sock_timeout):
                if payload.strip() == "[DONE]":
                    return
                text = _delta_text(payload)
                if text:
                    got_text = True
                    yield text
        except TimeoutError:
            what = "the reply" if got_text else "a first token"
            raise ResponderUnavailable(f"the responder server did not send {what} in time") from None
        except (OSError, http.client.HTTPException) as exc:
            raise ResponderUnavailable(f"the responder server's stream broke: {exc.__class__.__name__}") from None
        raise ResponderUnavailable("the responder server closed the stream without [DONE]")
    finally:
        conn.close()


class RemoteResponder:
    """``LoadedResponder.stream`` over a chat-completions server: the same trimmed prompt, text pieces with
    no leading or trailing whitespace. Only the tokenizer is loaded here, never the weights."""

    backend = "openai"

    def __init__(self, tokenizer: Any, *, server: ServerConfig, generation: dict[str, Any], max_prompt_tokens: int,
                 window: int | None) -> None:
        self.tokenizer, self.server, self.generation = tokenizer, server, generation
        self.max_prompt_tokens, self.window = max_prompt_tokens, window

    @classmethod
    def from_artifact(cls, path: str | Path, *, server: ServerConfig) -> RemoteResponder:
        from transformers import AutoTokenizer

        meta = read_artifact_meta(path)
        model_dir = Path(path) / MODEL_DIR
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_dir)
            window = json.loads((model_dir / "config.json").read_text()).get("max_position_embeddings")
        except Exception as exc:  # transformers raises many types for a bad folder
            raise ArtifactError(f"cannot load the responder tokenizer in {model_dir}: {exc}") from exc
        return cls(tokenizer, server=server, generation=meta["generation"], max_prompt_tokens=meta["max_prompt_tokens"],
                   window=window)

    def messages(self, inp: ResponderInput, *, max_new_tokens: int) -> list[dict[str, str]]:
        budget = self.max_prompt_tokens
        if self.window:
            budget = min(budget, self.window - max_new_tokens)
        return prompt_messages(self.tokenizer, inp, max_prompt_tokens=budget)

    def stream(self, inp: ResponderInput, *, max_new_tokens: int | None = None, temperature: float | None = None) -> Iterator[str]:
        max_new_tokens = max_new_tokens or int(self.generation.get("max_new_tokens", 96))
        temperature = float(self.generation.get("temperature", 0.0) if temperature is None else temperature)
        messages = self.messages(inp, max_new_tokens=max_new_tokens)
        emitted, text = "", ""
        pieces = stream_chat(self.server, messages, max_tokens=max_new_tokens, temperature=temperature)
        try:
            for piece in pieces:
                text += piece
                ready = text.strip()  # trailing spaces wait until a word follows them
                if len(ready) > len(emitted) and ready.startswith(emitted):
                    delta, emitted = ready[len(emitted):], ready
                    yield delta
        except ResponderUnavailable as exc:
            logger.warning("responder server %s: %s", self.server.url, exc)
            raise
        finally:
            pieces.close()
