"""The path of one customer message, traced: from the socket's `message` frame to the stored and
published reply, which of the project's files run, in the order they are first entered.

docs/architecture.md names the same files in the same order; a new hop on the path fails here and
must be named there. The PII engine (conversations/pii/) and the pipeline's steps (here the test
pipeline behind CHAT_PIPELINE_PROVIDER; in production training/serving/) are seams, not counted.
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
PATH_DOC = ROOT / "docs" / "architecture.md"


def documented_path() -> list[str]:
    """The numbered list under "How a customer message flows" in docs/architecture.md."""
    section = PATH_DOC.read_text(encoding="utf-8").split("## How a customer message flows", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\d+\. `([\w/.]+\.py)`", section, flags=re.M)


class Tracer:
    """Records, per project file, when it is first entered and from which other files (all threads)."""

    def __init__(self) -> None:
        self.first: list[str] = []
        self.callers: dict[str, set[str]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def _file(frame: object) -> str | None:
        name = frame.f_code.co_filename  # type: ignore[attr-defined]
        if not name.startswith(str(ROOT)):
            return None
        relative = Path(name).relative_to(ROOT).as_posix()
        return relative if relative.startswith(COUNTED) and not relative.startswith(SEAMS) else None

    def __call__(self, frame: object, event: str, arg: object) -> None:
        if event != "call":
            return
        path = self._file(frame)
        if path is None:
            return
        caller = frame.f_back and self._file(frame.f_back)  # type: ignore[attr-defined]
        with self.lock:
            if path not in self.callers:
                self.first.append(path)
                self.callers[path] = set()
            if caller and caller != path:
                self.callers[path].add(caller)


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
    assert end["role"] == "bot" and "<EMAIL_1>" not in end["text"]
    print("\n" + "\n".join(f"{n:2}. {path}  <- {', '.join(sorted(tracer.callers[path])) or '(socket)'}"
                           for n, path in enumerate(tracer.first, 1)))
    assert tracer.first == documented_path()
    # The write's door is entered from the socket's side only: no service calls back into another.
    assert tracer.callers["conversations/services/messages.py"] <= {"conversations/realtime/customer.py",
                                                                   "conversations/realtime/threads.py"}
