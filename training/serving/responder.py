"""The pipeline's Responder over the active responder version: its weights in this process (llama.cpp or
torch), or an OpenAI-compatible server that serves them (`RESPONDER_BACKEND=openai`, training/serving/openai_backend.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from conversations.bot.pipeline import Classification, Source, Turn
from training.kinds import ServedRow
from training.ml.responder import ResponderInput, SourcePassage, load_responder
from training.ml.responder.evaluate import HANDOFF_PATTERN
from training.serving.openai_backend import RemoteResponder, ServerConfig

# Roles the responder's prompt knows; system notices (hand-off messages) are not conversation turns.
PROMPT_ROLES = ("customer", "agent", "bot")


class ServedResponder:
    """Streams a cited reply from the intent, the retrieved passages and the recent turns.

    At most RESPONDER_MAX_CONCURRENT generations run at once in a process: more would only share
    the same cores and make every customer wait longer for a first token.
    """

    def __init__(self, loaded: Any, version: int, *, max_concurrent: int) -> None:
        self.loaded, self.version = loaded, version
        self._slots = threading.BoundedSemaphore(max(1, max_concurrent))

    def generate(self, *, text: str, history: list[Turn], classification: Classification, sources: list[Source]) -> Iterator[str]:
        inp = ResponderInput(
            question=text,
            history=[(t.role, t.text) for t in history if t.role in PROMPT_ROLES],
            intent=classification.intent,
            passages=[SourcePassage(article_id=s.article_id, title=s.title, text=s.passage) for s in sources],
        )
        overrides = {"max_new_tokens": settings.RESPONDER_MAX_NEW_TOKENS, "temperature": settings.RESPONDER_TEMPERATURE}
        with self._slots:
            yield from self.loaded.stream(inp, **overrides)

    def is_handoff(self, reply: str) -> bool:
        return bool(HANDOFF_PATTERN.search(reply))


def server_config() -> ServerConfig:
    return ServerConfig(url=settings.RESPONDER_URL or "", model=settings.RESPONDER_MODEL or "",
                        api_key=settings.RESPONDER_API_KEY or "", connect_timeout=settings.RESPONDER_CONNECT_TIMEOUT_S,
                        first_token_timeout=settings.RESPONDER_FIRST_TOKEN_TIMEOUT_S, timeout=settings.RESPONDER_TIMEOUT_S)


def responder_serve(row: ServedRow) -> ServedResponder:
    if settings.RESPONDER_BACKEND == "openai":
        loaded: Any = RemoteResponder.from_artifact(row["artifact_path"], server=server_config())
    else:
        loaded = load_responder(row["artifact_path"], backend=settings.RESPONDER_BACKEND, threads=settings.RESPONDER_THREADS or None)
        if hasattr(loaded.streamer, "prefix_cache"):
            loaded.streamer.prefix_cache = settings.RESPONDER_PREFIX_CACHE
    return ServedResponder(loaded, row["version"], max_concurrent=settings.RESPONDER_MAX_CONCURRENT)
