"""A minimal RFC 6455 WebSocket client on asyncio streams (text frames, ping/pong, close).

The benchmark's own client, so it needs nothing beyond the standard library; loopback only.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import struct
from urllib.parse import urlparse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


class ConnectionClosed(Exception):
    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class WebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, url: str, *, origin: str, timeout: float = 10.0) -> WebSocket:
        parsed = urlparse(url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((
            f"GET {parsed.path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
        ).encode())
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)).decode("latin-1")
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if not head.startswith("HTTP/1.1 101") or expected not in head:
            writer.close()
            raise ConnectionClosed(f"handshake refused: {head.splitlines()[0]}")
        return cls(reader, writer)

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(header + mask + masked)

    async def send_json(self, frame: dict) -> None:
        self._send_frame(TEXT, json.dumps(frame).encode())
        await self.writer.drain()

    async def _read_frame(self) -> tuple[bool, int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        mask = await self.reader.readexactly(4) if second & 0x80 else b""
        payload = await self.reader.readexactly(length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bool(first & 0x80), first & 0x0F, payload

    async def recv_json(self, timeout: float = 60.0) -> dict:
        parts: list[bytes] = []
        while True:
            fin, opcode, payload = await asyncio.wait_for(self._read_frame(), timeout)
            if opcode == PING:
                self._send_frame(PONG, payload)
                continue
            if opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                with contextlib.suppress(ConnectionError):  # complete the closing handshake
                    self._send_frame(CLOSE, payload[:2])
                raise ConnectionClosed(f"closed by the server ({code})", code)
            if opcode in (TEXT, BINARY, CONTINUATION):
                parts.append(payload)
                if fin:
                    return json.loads(b"".join(parts))

    async def close(self) -> None:
        try:
            self._send_frame(CLOSE, struct.pack("!H", 1000))
            await self.writer.drain()
        except ConnectionError:
            pass
        self.writer.close()
