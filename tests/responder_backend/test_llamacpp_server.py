"""The openai backend against a real llama.cpp server (llama-cpp-python's `server` extra, the `serve` extra of
pyproject.toml) on loopback, serving the GGUF the fine-tuned test responder exports: the reply streams
through the same prompt, the server prefills the very token ids the embedded backend would, and a server
that is slow or stopped hands the customer off with the error reason."""

from __future__ import annotations

import dataclasses
import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from training.ml.responder import ResponderInput, SourcePassage
from training.ml.responder.fast_llamacpp import ensure_gguf
from training.serving.openai_backend import RemoteResponder, ResponderUnavailable, ServerConfig

pytestmark = pytest.mark.slow
pytest.importorskip("uvicorn", reason="the llama.cpp server needs the `serve` extra (pip install -e '.[ml,serve]')")
pytest.importorskip("sse_starlette", reason="the llama.cpp server needs the `serve` extra")

INPUT = ResponderInput(question="When will my new card arrive?", intent="card_arrival", passages=[
    SourcePassage(11, "When will my card arrive?", "New cards are sent by post and arrive within 3 to 5 working days. "
                  "You can follow the card under Cards > Card status in the app.")])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(trained_responder, tmp_path_factory):
    gguf = ensure_gguf(Path(trained_responder.path) / "model")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "responder",
                                    "--host", "127.0.0.1", "--port", str(port), "--n_threads", "1", "--n_ctx", "2048"],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-2000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the llama.cpp server did not start in 90 s:\n" + log.read_text()[-2000:])
        yield process, f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _responder(path: Path, url: str, **timeouts: float) -> RemoteResponder:
    config = {"connect_timeout": 2.0, "first_token_timeout": 60.0, "timeout": 120.0} | timeouts
    return RemoteResponder.from_artifact(path, server=ServerConfig(url=url, model="responder", **config))


def test_the_server_streams_a_reply_to_the_in_process_prompt(llama_server, trained_responder):
    _, url = llama_server
    remote = _responder(trained_responder.path, url)
    pieces = list(remote.stream(INPUT, max_new_tokens=24, temperature=0.0))
    reply = "".join(pieces)
    assert len(pieces) > 1 and reply == reply.strip() and reply
    # Without streaming the server says how many prompt tokens it prefilled: the embedded prompt's count.
    from training.ml.responder import load_responder

    expected = load_responder(trained_responder.path).prompt_ids(INPUT, max_new_tokens=24)
    conn = http.client.HTTPConnection("127.0.0.1", int(url.split(":")[2].split("/")[0]), timeout=120)
    body = {"model": "responder", "messages": remote.messages(INPUT, max_new_tokens=24), "max_tokens": 1}
    conn.request("POST", "/v1/chat/completions", body=json.dumps(body), headers={"Content-Type": "application/json"})
    usage = json.loads(conn.getresponse().read())["usage"]
    assert usage["prompt_tokens"] == len(expected)


@pytest.mark.django_db
def test_the_served_path_answers_through_the_real_server_with_pii_on(llama_server, served):
    from conversations.models import HandoffReason
    from tests.responder_backend.served import EMAIL, ask

    _, url = llama_server
    served(url, first_token_timeout=60.0, timeout=120.0)
    conversation, reply = ask(f"When will my new card arrive? My email is {EMAIL}")
    # A 6-step fine-tune rarely writes a supported sentence: the tier then gives the extractive answer or hands
    # off as its rules say; what the server must never cause here is the error hand-off.
    conversation.refresh_from_db()
    assert conversation.handoff_reason != HandoffReason.ERROR, reply
    assert all(EMAIL not in m.text for m in conversation.messages.all())
    assert conversation.messages.count() == 2


def test_a_slow_server_is_given_up_at_the_first_token_timeout(llama_server, trained_responder):
    _, url = llama_server
    remote = _responder(trained_responder.path, url, first_token_timeout=0.02)
    # A question the server has not seen, so its prompt cache cannot skip the prefill (~150 tokens, >> 20 ms).
    fresh = dataclasses.replace(INPUT, question="My replacement card has still not turned up after a week, what now?")
    with pytest.raises(ResponderUnavailable, match="in time"):
        list(remote.stream(fresh, max_new_tokens=8, temperature=0.0))


def test_a_stopped_server_hands_off_with_the_error_reason(llama_server, trained_responder):
    process, url = llama_server
    remote = _responder(trained_responder.path, url)
    process.terminate()
    process.wait(timeout=30)
    with pytest.raises(ResponderUnavailable, match="cannot reach"):
        list(remote.stream(INPUT, max_new_tokens=8, temperature=0.0))
