"""The chat-completions client against a loopback server that streams well, badly or not at all:
every fault ends in ResponderUnavailable (the pipeline's error hand-off), within its timeout."""

from __future__ import annotations

import socket
import time

import pytest

from conversations.bot.pipeline import HandoffReason, NoAnswer
from tests.responder_backend.fake_server import REPLY, FakeServer
from training.ml.common.errors import ArtifactError
from training.serving.openai_backend import ResponderUnavailable, ServerConfig, stream_chat

MESSAGES = [{"role": "system", "content": "Answer from the passages."}, {"role": "user", "content": "Where is my card?"}]


@pytest.fixture(scope="module")
def server():
    with FakeServer(delay=1.5) as running:
        yield running


def config(url: str, **overrides: float) -> ServerConfig:
    timeouts = {"connect_timeout": 1.0, "first_token_timeout": 0.4, "timeout": 0.8} | overrides
    return ServerConfig(url=url, model="responder-v3", api_key="sk-test", **timeouts)


def collect(cfg: ServerConfig) -> list[str]:
    return list(stream_chat(cfg, MESSAGES, max_tokens=48, temperature=0.0))


def test_streams_the_reply_and_sends_the_request_an_openai_server_expects(server):
    assert collect(config(server.url("ok"))) == REPLY
    request = server.requests[-1]
    assert request["path"] == "/ok/v1/chat/completions"
    assert request["body"] == {"model": "responder-v3", "messages": MESSAGES, "stream": True, "max_tokens": 48,
                               "temperature": 0.0}
    assert request["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize("behaviour, says", [
    ("malformed", "malformed chunk"),
    ("not_a_chunk", "without choices"),
    ("error_chunk", "out of memory"),
    ("empty", "without [DONE]"),
    ("truncated", "without [DONE]"),
    ("http500", "HTTP 500: {\"error\": {\"message\": \"model not loaded\"}}"),
])
def test_a_broken_stream_is_an_error_handoff(server, behaviour, says):
    with pytest.raises(ResponderUnavailable) as failed:
        collect(config(server.url(behaviour)))
    assert isinstance(failed.value, NoAnswer) and failed.value.reason == HandoffReason.ERROR
    assert says in str(failed.value)


def test_done_without_text_is_an_empty_reply_not_an_error(server):
    assert collect(config(server.url("done_only"))) == []


def test_no_first_token_in_time_gives_up_at_the_first_token_timeout(server):
    started = time.monotonic()
    with pytest.raises(ResponderUnavailable, match="a first token"):
        collect(config(server.url("slow_first")))
    assert time.monotonic() - started < 1.2  # the server would have waited 1.5 s


def test_a_stream_that_stalls_gives_up_at_the_whole_reply_timeout(server):
    started = time.monotonic()
    pieces = stream_chat(config(server.url("stall")), MESSAGES, max_tokens=48, temperature=0.0)
    assert next(pieces) == REPLY[0]
    with pytest.raises(ResponderUnavailable, match="the reply in time"):
        next(pieces)
    assert time.monotonic() - started < 1.3


def test_a_server_that_is_down_is_an_error_handoff_at_once():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    started = time.monotonic()
    with pytest.raises(ResponderUnavailable, match="cannot reach"):
        collect(config(f"http://127.0.0.1:{port}/v1"))
    assert time.monotonic() - started < 1.0


def test_closing_the_stream_closes_the_connection_so_the_server_stops(server):
    server.client_left.clear()
    pieces = stream_chat(config(server.url("endless"), timeout=30.0), MESSAGES, max_tokens=48, temperature=0.0)
    assert next(pieces) == "more words "
    pieces.close()  # the customer went away
    assert server.client_left.wait(5), "the server kept streaming to nobody"


@pytest.mark.parametrize("url, model", [("ftp://host/v1", "m"), ("http:///v1", "m"), ("http://host:8080/v1", "")])
def test_a_misconfigured_server_is_refused_at_load(url, model):
    with pytest.raises(ArtifactError):
        ServerConfig(url=url, model=model)
