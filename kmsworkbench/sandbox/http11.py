"""The few things the served sandbox adds to uvicorn's HTTP/1.1 protocols.

uvicorn parses HTTP, keeps connections alive, times out idle keep-alive connections, applies
flow control and shuts down gracefully. Three things a KMS front end does differently are
added here, on top of uvicorn's own protocol classes (``httptools`` by default, ``h11`` as
the pure-Python alternative):

- **a deadline for the request head**: a connection that opens and says nothing, or sends
  its header lines slowly (a "slowloris"), is closed after ``read_timeout`` seconds (with a
  408 if it had started a request). uvicorn times out idle keep-alive connections only after
  a response, so without this one socket could be held open forever;
- **a cap on the size of a request head** (64 KiB), for llhttp, which has none of its own;
- **malformed requests get a KMS-shaped JSON error** (``BadRequestException`` with an
  ``x-amzn-RequestId``) instead of uvicorn's plain-text 400;
- **a cap on open connections**: past ``max_connections``, a new connection is answered
  ``ThrottlingException`` at once and closed, the way AWS front ends shed load;
- **one write per answer**: uvicorn writes a response's head and its body with two
  ``transport.write`` calls, so two segments and two wake-ups of the client per answer;
  :class:`CoalescingTransport` joins what is written within one turn of the event loop;
- **a connection's first request is marked** (``scope[FIRST_ON_CONNECTION]``), so the app
  can work on it before the later requests of connections already answered: with hundreds
  of keep-alive clients starting together, none then waits behind the others' second and
  third requests for its first answer (httptools only; with h11 every request is FIFO).

Nothing here holds a thread: a slow client costs one socket and one timer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("kmsworkbench.sandbox.server")

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
_REASONS = {400: "Bad Request", 408: "Request Timeout"}
#: How long a connection shed for the connection cap reads and drops what the client sends.
SHED_LINGER_SECONDS = 1.0
#: ASGI scope key: True for the first request a connection sends.
FIRST_ON_CONNECTION = "kmsworkbench.first_on_connection"


def raw_json_error(status: int, code: str, message: str) -> bytes:
    """A whole HTTP/1.1 response carrying a KMS error, with ``Connection: close``."""
    body = json.dumps({"__type": code, "message": message}).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"
        f"x-amzn-RequestId: {uuid.uuid4()}\r\n"
        f"Content-Type: {JSON_CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("latin-1")
    return head + body


class CoalescingTransport:
    """A transport that joins the writes made within one turn of the event loop.

    The first write is held and a flush is scheduled for the loop's next turn; a second
    write before then goes out together with it, at once (uvicorn writes an answer's head,
    then its body, with nothing in between). ``close`` and ``write_eof`` send what is held
    first; ``abort`` drops it, as the transport's own ``abort`` drops its buffer. Everything
    else is the wrapped transport's."""

    __slots__ = ("_transport", "_loop", "_held")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is None:
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
            return
        self._held = None
        self._transport.write(held + bytes(data))

    def flush(self) -> None:
        held, self._held = self._held, None
        if held and not self._transport.is_closing():
            self._transport.write(held)

    def writelines(self, chunks: Any) -> None:
        self.write(b"".join(chunks))

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _KmsProtocolMixin:
    """Shared by both protocol classes; ``read_timeout`` and ``max_connections`` are set on
    the class that :func:`protocol_class` makes for one server."""

    read_timeout: float = 10.0
    max_connections: int = 1000
    max_head_bytes: int = 64 * 1024

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    connections: set[Any]
    client: tuple[str, int] | None
    _head_timer: asyncio.TimerHandle | None = None
    _head_bytes = False
    _head_size = 0
    _shedding = False  # answered ThrottlingException for too many connections

    # -- what the concrete class knows ------------------------------------------------------

    def _awaiting_head(self) -> bool:
        raise NotImplementedError

    def _awaiting_body(self) -> bool:
        raise NotImplementedError

    # -- the head deadline ------------------------------------------------------------------

    def _update_head_deadline(self) -> None:
        if self.transport.is_closing():
            self._cancel_head_deadline()
        elif self._awaiting_head():
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(self.read_timeout, self._head_too_slow)
        else:
            self._cancel_head_deadline()
            self._head_bytes = False
            self._head_size = 0

    def _cancel_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self._awaiting_head():
            return
        client = self.client[0] if self.client else "-"
        if self._head_bytes:
            logger.info("%s - 408 RequestTimeoutException (request head too slow)", client)
            self.transport.write(
                raw_json_error(
                    408,
                    "RequestTimeoutException",
                    "The client did not send the request headers in time.",
                )
            )
        self.transport.close()

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[misc]
        # Every answer (uvicorn's cycle and ours) is written through the coalescing wrapper.
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
        if len(self.connections) > self.max_connections:
            client = self.client[0] if self.client else "-"
            logger.info("%s - 400 ThrottlingException (too many connections)", client)
            self._shed(transport)
            return
        self._head_timer = self.loop.call_later(self.read_timeout, self._head_too_slow)

    def _shed(self, transport: asyncio.Transport) -> None:
        """Answer ThrottlingException and close without losing the answer: the write side is
        shut first and what the client still sends is read and dropped for a moment. A plain
        close with its request unread would reset the connection, and the client would get
        a broken pipe instead of the answer."""
        self._shedding = True
        transport.write(raw_json_error(400, "ThrottlingException", "Rate exceeded"))
        if transport.can_write_eof():
            transport.write_eof()
            self._head_timer = self.loop.call_later(SHED_LINGER_SECONDS, transport.close)
        else:
            transport.close()

    def data_received(self, data: bytes) -> None:
        if self._shedding:
            return  # a shed connection's request is dropped unread
        super().data_received(data)  # type: ignore[misc]
        if self._awaiting_head() and not self.transport.is_closing():
            self._head_bytes = True  # part of a request head has come, not all of it
            self._head_size += len(data)
            if self._head_size > self.max_head_bytes:  # llhttp itself has no such cap
                self.send_400_response("request head too large")
                return
        self._update_head_deadline()

    def eof_received(self) -> bool | None:
        """A client that half-closes in the middle of a request body is told so (it can still
        read); otherwise the connection closes as uvicorn closes it."""
        if self._shedding:
            self._cancel_head_deadline()
            self.transport.close()
            return None
        if self._awaiting_body() and not self.transport.is_closing():
            client = self.client[0] if self.client else "-"
            logger.info("%s - 400 BadRequestException (body cut short)", client)
            self.transport.write(
                raw_json_error(
                    400,
                    "BadRequestException",
                    "The connection closed before the whole request body arrived.",
                )
            )
        # Returning None lets the loop close the transport itself: send what is held first.
        if isinstance(self.transport, CoalescingTransport):
            self.transport.flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # A pipelined request may already be waiting with a partial head.
        if not self.transport.is_closing() and self._head_bytes:
            self._update_head_deadline()

    def send_400_response(self, msg: str) -> None:
        """Replaces uvicorn's plain-text answer to a request it cannot parse."""
        self._cancel_head_deadline()
        client = self.client[0] if self.client else "-"
        logger.info("%s - 400 BadRequestException", client)
        if not self.transport.is_closing():
            self.transport.write(
                raw_json_error(
                    400,
                    "BadRequestException",
                    "The request is not valid HTTP/1.1 (a malformed request line, header, "
                    "Content-Length or chunked body), so it was not read.",
                )
            )
            self.transport.close()


class KmsHttpToolsProtocol(_KmsProtocolMixin, HttpToolsProtocol):
    """uvicorn's httptools (llhttp) protocol with the additions above."""

    _in_head = True  # a new connection waits for its first request head
    _requests = 0  # requests begun on this connection

    def _awaiting_head(self) -> bool:
        return self._in_head

    def _awaiting_body(self) -> bool:
        cycle = self.cycle
        return cycle is not None and cycle.more_body and not cycle.response_started

    def on_message_begin(self) -> None:
        self._in_head = True
        super().on_message_begin()
        self.scope[FIRST_ON_CONNECTION] = self._requests == 0  # type: ignore[typeddict-unknown-key]
        self._requests += 1

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()


class KmsH11Protocol(_KmsProtocolMixin, H11Protocol):
    """uvicorn's h11 protocol with the additions above."""

    def _awaiting_head(self) -> bool:
        return self.conn.their_state is h11.IDLE

    def _awaiting_body(self) -> bool:
        cycle = self.cycle
        return self.conn.their_state is h11.SEND_BODY and not (cycle and cycle.response_started)


_BASES: dict[str, type[asyncio.Protocol]] = {
    "httptools": KmsHttpToolsProtocol,
    "h11": KmsH11Protocol,
}


def protocol_class(
    implementation: str, *, read_timeout: float, max_connections: int
) -> type[asyncio.Protocol]:
    """A protocol class for one server, with its limits."""
    base = _BASES[implementation]
    return type(
        base.__name__,
        (base,),
        {"read_timeout": read_timeout, "max_connections": max_connections},
    )
