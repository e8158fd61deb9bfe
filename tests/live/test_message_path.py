"""The path of one customer message, traced: from the socket's `message` frame to the stored and
published reply, which of the project's files run, in which order, and through how many doors.

docs/architecture.md names the same files: the message's own path in order, and the plumbing and
internals around it. A new hop fails here until it is named there. The PII engine
(conversations/pii/) and the pipeline's steps (here the test pipeline behind CHAT_PIPELINE_PROVIDER;
in production training/serving/) are seams and not counted.
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

import pytest
from asgiref.sync import SyncToAsync

from conversations.pii_engine import anonymizer
from tests.live.conftest import customer_socket, live_db, next_frame

pytestmark = [pytest.mark.asyncio, *live_db]

ROOT = Path(__file__).resolve().parents[2]
COUNTED = ("chatbot/", "conversations/", "training/")
SEAMS = ("conversations/pii/", "training/ml/")
MESSAGES = "conversations/services/messages.py"


def _section() -> str:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    return text.split("## How a customer message flows", 1)[1].split("\n## ", 1)[0]


def documented_path() -> list[str]:
    """The numbered list: the message's own path, in order."""
    return re.findall(r"^\d+\. `([\w/.]+\.py)`", _section(), flags=re.M)


def documented_around() -> set[str]:
    """The bulleted list: plumbing every frame passes and the internals of the path's files."""
    bullets = re.findall(r"^- (.*)$", _section(), flags=re.M)
    return {path for line in bullets for path in re.findall(r"`([\w/.]+\.py)`", line)}


class Tracer:
    """Per project file: when it is first entered, and its doors. A door is a call into the file from
    another of our files while the file is not already running on that thread; callbacks into a file
    that is waiting for its callee (tokens streaming back) are not doors."""

    def __init__(self) -> None:
        self.first: list[str] = []
        self.doors: dict[str, set[str]] = {}
        self.lock = threading.Lock()
        self.local = threading.local()

    @staticmethod
    def _file(frame: object) -> str | None:
        name = frame.f_code.co_filename  # type: ignore[attr-defined]
        if not name.startswith(str(ROOT)):
            return None
        relative = Path(name).relative_to(ROOT).as_posix()
        return relative if relative.startswith(COUNTED) and not relative.startswith(SEAMS) else None

    def __call__(self, frame: object, event: str, arg: object) -> None:
        if event not in ("call", "return"):
            return
        path = self._file(frame)
        if path is None:
            return
        stack = self.local.__dict__.setdefault("stack", [])
        if event == "return":
            if stack:
                stack.pop()
            return
        caller = frame.f_back and self._file(frame.f_back)  # type: ignore[attr-defined]
        with self.lock:
            if path not in self.doors:
                self.first.append(path)
                self.doors[path] = set()
            if caller and caller != path and path not in stack:
                self.doors[path].add(caller)
        stack.append(path)


async def test_one_socket_message_runs_through_the_documented_files_in_order(application, conversation, settings):
    settings.PII_ANONYMIZE = True
    anonymizer().warm_up()
    tracer = Tracer()
    async with customer_socket(application, conversation) as (socket, _):
        # The event loop, the thread that runs sync code for it, and the reply threads (started after this).
        SyncToAsync.single_thread_executor.submit(sys.setprofile, tracer).result()
        threading.setprofile(tracer)
        sys.setprofile(tracer)
        try:
            await socket.send_json_to({"type": "message", "text": "Where is my card? I'm jane.doe@example.com",
                                       "client_message_id": "traced"})
            end = await next_frame(socket, "reply_end")
        finally:
            sys.setprofile(None)
            threading.setprofile(None)
            SyncToAsync.single_thread_executor.submit(sys.setprofile, None).result()
    assert end["role"] == "bot"
    print("\n" + "\n".join(f"{n:2}. {path}  <- {', '.join(sorted(tracer.doors[path])) or '-'}"
                           for n, path in enumerate(tracer.first, 1)))

    path, around = documented_path(), documented_around()
    assert [f for f in tracer.first if f not in around] == path
    assert set(tracer.first) == set(path) | around
    assert len(path) <= 8
    # Each file of the path is entered through one door at most (throttles.py through none of ours: the
    # socket reaches it by sync_to_async); the write's module has two: the socket checks the text before
    # the message budget counts it, then the reply thread writes it.
    doors = {f: tracer.doors[f] for f in path}
    assert doors.pop(MESSAGES) == {"conversations/realtime/customer.py", "conversations/realtime/threads.py"}
    assert all(len(callers) <= 1 for callers in doors.values()), doors
