"""Graceful stop of a web process: replies in flight finish, then every socket is told to reconnect.

On SIGTERM daphne stops its Twisted reactor, which first runs its "before shutdown" triggers and waits
for the Deferreds they return, then drops every connection. ``install_daphne_hook`` (called by
chatbot/asgi.py) adds a trigger that drains every open socket: each waits up to CHAT_SHUTDOWN_GRACE_S
for its replies in flight, then sends a ``reconnect`` frame and closes with 4503 (autobahn refuses to
send the standard 1012, service restart). Frames that arrive meanwhile are ignored: the client sends
unacknowledged messages again after reconnecting. A reply still generating after the grace period is
finished and stored before the process exits, so a client that reconnects (to another process, or to
this one restarted) gets it by resending its message. Sockets that connect while the process stops
are told to reconnect at once.

Daphne's own trigger cancels the sockets' applications; a consumer cancelled while the process is
stopping waits for its drain. The drain does not rely on that cancellation: daphne 4.2's trigger
raises KeyError (and cancels nothing) while any connection's application has already finished, such
as an idle keep-alive HTTP connection. Under other ASGI servers nothing here runs.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import weakref
from typing import Any

from conversations.realtime.threads import replies_finished

logger = logging.getLogger(__name__)
CLOSE_SERVICE_RESTART = 4503  # autobahn sends only 1000 and 3000-4999, so not the standard 1012
REPLY_WAIT_S = 120.0  # at most, for replies already generating to be stored
CLOSE_WAIT_S = 1.0  # for the client's closing handshake, so the close frame is not dropped unsent
RECONNECT_MESSAGE = "The server is restarting. Reconnect and send again what was not acknowledged."

_stopping = threading.Event()
_open: weakref.WeakSet[Any] = weakref.WeakSet()  # consumers with an accepted socket


def track(consumer: Any) -> None:
    _open.add(consumer)


def in_progress() -> bool:
    return _stopping.is_set()


async def _stop() -> None:
    await asyncio.gather(*(c.drain() for c in list(_open) if not c.gone), return_exceptions=True)
    # A reply still generating after the grace period is finished and stored before the process exits: its
    # thread publishes through this event loop, and would hang the exit if the loop stopped first.
    if not await replies_finished(REPLY_WAIT_S):
        logger.error("Replies still running %.0f s after the stop began; the process may need SIGKILL", REPLY_WAIT_S)


def begin() -> Any:
    """Raise the flag and drain every open socket; returns a Deferred for the reactor to wait on."""
    _stopping.set()
    from twisted.internet import defer

    return defer.Deferred.fromFuture(asyncio.ensure_future(_stop()))


def install_daphne_hook() -> bool:
    """Drain sockets when daphne's reactor starts shutting down; False when not running under daphne."""
    if "twisted.internet.reactor" not in sys.modules:  # never install a reactor ourselves
        return False
    from twisted.internet import reactor

    reactor.addSystemEventTrigger("before", "shutdown", begin)
    return True
