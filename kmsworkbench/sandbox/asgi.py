"""The sandbox's AWS JSON 1.1 services as a small ASGI application (served by uvicorn).

``POST /`` with ``X-Amz-Target: <prefix><Operation>`` and a JSON body is checked against
the sandbox's own credentials (:mod:`kmsworkbench.sandbox.sigv4`), in the Region its SigV4
credential scope names, and handed to the route that owns the target prefix. Everything else
gets a KMS-shaped JSON error (``{"__type": ..., "message": ...}``) with an
``x-amzn-RequestId`` header: never a 500 for bad input, never a traceback.

**Routing lives in one place, :data:`ROUTES`**: each :class:`Route` pairs an ``X-Amz-Target``
prefix with the SigV4 service name its requests must be signed for and the function that
answers them. KMS is ``TrentService.`` / ``kms``. Another service on the same endpoint (for
CloudTrail's LookupEvents: the prefix
``com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.`` and the service ``cloudtrail``)
is one more entry there; nothing else in the server changes.

The work of a request (the SigV4 check, the operation with its cryptography and SQLite) runs
in a bounded thread pool, never on the event loop, so an RSA_4096 generation does not stall
other clients. A call's trail record is handed to the sandbox's group commit
(``Sandbox.submit_record``) and the answer sent once it is committed; the thread meanwhile
goes on with other requests, whose records share the next commit. While more requests are
queued, the record is held for theirs: a thread that finds nothing queued commits what is
held (``Sandbox.flush_records``). Beyond ``max_workers``
running and ``max_pending`` waiting requests, a request
gets ``ThrottlingException`` at once. A connection's first request is worked on before
the later requests of other connections (``http11.FIRST_ON_CONNECTION``), so no client
starting among many waits behind the others for its first answer. ``latency`` (``serve --latency-ms``) waits that long
before each answer on the loop (``asyncio.sleep``), holding no thread.

Limits applied here (uvicorn applies the rest): a request body cap (1 MiB by default; KMS's
largest legal request is a few tens of KB) answered with 413
``RequestEntityTooLargeException`` and ``Connection: close``; a deadline for receiving the
whole body (408 ``RequestTimeoutException``).

One line per request goes to the ``kmsworkbench.sandbox.server`` logger (client, operation,
status, error code, latency); never a body, since a Decrypt response carries a plaintext
private key.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kmsworkbench.sandbox import sigv4
from kmsworkbench.sandbox.core.context import REGION_RE
from kmsworkbench.sandbox.http11 import FIRST_ON_CONNECTION
from kmsworkbench.sandbox.workpool import WorkPool

logger = logging.getLogger("kmsworkbench.sandbox.server")

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
# On every answer: kmsworkbench's client reads it (service/session.py) and knows that this
# KMS has no request quotas, so a batch need not pace itself at AWS's.
SANDBOX_HEADER = (b"x-kmsworkbench-sandbox", b"request-quotas=none")
_DIGITS = re.compile(r"[0-9]{1,18}")
Answer = tuple[int, dict[str, str], bytes]


class KmsApp(Protocol):
    """What the server serves: the Sandbox, or anything with the same surface."""

    region: str
    access_key_id: str
    secret_access_key: str

    def handle(self, target: str, body: bytes, region: str | None = None) -> Answer: ...


@dataclass(frozen=True)
class Call:
    """One verified request, as a route's answer function receives it."""

    target: str
    body: bytes
    region: str  # from the SigV4 credential scope
    access_key: str  # the access key id that signed it
    client: str
    user_agent: str = ""
    prepared: Any = None  # what the app read while the signature was checked
    record_sink: list[Any] | None = None  # the call's record, for the app to commit


@dataclass(frozen=True)
class Route:
    """Requests whose ``X-Amz-Target`` starts with ``prefix``, signed for ``service``."""

    prefix: str
    service: str
    answer: Callable[[Any, Call], Answer]


def _answer_kms(app: KmsApp, call: Call) -> Answer:
    if hasattr(app, "secret_for"):  # the Sandbox: authorized and recorded as the signer
        return app.handle(  # type: ignore[call-arg]
            call.target,
            call.body,
            call.region,
            access_key_id=call.access_key,
            source_ip=call.client,
            user_agent=call.user_agent,
            prepared=call.prepared,
            record_sink=call.record_sink,
        )
    return app.handle(call.target, call.body, call.region)


def _answer_cloudtrail(app: KmsApp, call: Call) -> Answer:
    """CloudTrail LookupEvents over the sandbox's trail (aws cloudtrail lookup-events)."""
    from kmsworkbench.sandbox import cloudtrail

    if not hasattr(app, "store"):
        message = "This endpoint has no trail to look events up in."
        return (
            400,
            {"Content-Type": JSON_CONTENT_TYPE},
            error_body("UnknownOperationException", message),
        )
    return cloudtrail.handle(app, call.target, call.body, call.access_key)  # type: ignore[arg-type]


#: Every service this endpoint answers. Add a Route to serve another JSON 1.1 service.
ROUTES: tuple[Route, ...] = (
    Route("TrentService.", "kms", _answer_kms),
    Route(
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.", "cloudtrail", _answer_cloudtrail
    ),
)
DEFAULT_SERVICE = "kms"  # what an unroutable request is checked against


def route_for(target: str) -> Route | None:
    for route in ROUTES:
        if target.startswith(route.prefix) and len(target) > len(route.prefix):
            return route
    return None


def region_is_valid(region: str) -> bool:
    return bool(REGION_RE.match(region))


@dataclass(frozen=True)
class AppLimits:
    max_body_bytes: int = 1024 * 1024
    request_timeout: float = 30.0  # seconds to receive one whole request body
    max_workers: int = 32
    max_pending: int = 512
    latency: float = 0.0  # seconds added before each answer


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode("utf-8")


def error_code_of(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    code = data.get("__type", "") if isinstance(data, dict) else ""
    return str(code).rsplit("#", 1)[-1]


class _TooLarge(Exception):
    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


class _Disconnected(Exception):
    pass


#: How long a record held for a later commit may wait before the loop has it committed on a
#: thread of its own: its holder may have gone on to a slow call (an RSA generation from an
#: empty pool) with every other thread busy too.
HOLD_WAIT = 0.02


class _Settle:
    """Called (on the thread that commits) once a call's record is committed: the call's
    coroutine may then answer. ``held``: the record was held for a later commit."""

    __slots__ = ("loop", "future", "handed", "held")

    def __init__(self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
        self.loop = loop
        self.future = future
        self.handed = False
        self.held = False

    def __call__(self) -> None:
        try:
            self.loop.call_soon_threadsafe(_set_done, self.future)
        except RuntimeError:  # the loop is closed: nobody awaits the answer any more
            pass


def _set_done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class KmsAsgiApp:
    """The ASGI application. ``stopping`` is set by the server when a graceful stop begins:
    answers then carry ``Connection: close``."""

    def __init__(self, app: KmsApp, limits: AppLimits | None = None) -> None:
        self.app = app
        self.limits = limits or AppLimits()
        self.stopping = False
        self._in_flight = 0
        # The records held while work was queued are committed when a thread runs out of it.
        self._flush: Callable[[], None] | None = getattr(app, "flush_records", None)
        self._pool = WorkPool(self.limits.max_workers, "kms-work", on_idle=self._flush)
        self._held_check: asyncio.TimerHandle | None = None
        self._held_last: asyncio.Future[None] | None = None  # the last held record's

    def close(self) -> None:
        self._pool.close()

    def _secret_for(self, access_key: str) -> str | None:
        lookup = getattr(self.app, "secret_for", None)  # the Sandbox knows every principal's
        if lookup is not None:
            return lookup(access_key)
        return self.app.secret_access_key if access_key == self.app.access_key_id else None

    # -- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        started = time.monotonic()
        client = scope["client"][0] if scope.get("client") else "-"
        method: str = scope["method"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        lowered = {k.lower(): v for k, v in headers}
        target = lowered.get("x-amz-target", "").strip()
        route = route_for(target)
        if route is not None:
            label = target.removeprefix(route.prefix)
        else:
            label = target or f"{method} {scope.get('path', '/')}"

        async def answer(status: int, payload: bytes, extra: dict[str, str], close: bool) -> None:
            code = error_code_of(payload) if status >= 300 else ""
            suffix = f" {code}" if code else ""
            if self.limits.latency > 0:
                await asyncio.sleep(self.limits.latency)
            latency = (time.monotonic() - started) * 1000.0
            # Logged before answering, so a client that has its answer finds the line written.
            logger.info("%s %s %d%s %.1fms", client, label, status, suffix, latency)
            await self._send(send, status, payload, extra, close or self.stopping)

        try:
            body = await self._read_body(receive, lowered, started)
        except _TooLarge as exc:
            await self._drain(receive, lowered)
            limit = self.limits.max_body_bytes
            told = f"of {exc.size} bytes " if exc.size is not None else ""
            message = (
                f"The request body {told}is larger than the {limit} bytes this server accepts "
                "(KMS requests are at most a few tens of kilobytes)."
            )
            payload = error_body("RequestEntityTooLargeException", message)
            await answer(413, payload, {}, True)
            return
        except TimeoutError:
            message = "The client did not send the request in time."
            await answer(408, error_body("RequestTimeoutException", message), {}, True)
            return
        except _Disconnected:
            return

        if self._in_flight >= self.limits.max_workers + self.limits.max_pending:
            await answer(400, error_body("ThrottlingException", "Rate exceeded"), {}, False)
            return
        signed = sigv4.SignedRequest(
            method=method,
            path=scope.get("raw_path", b"/").decode("latin-1") or "/",
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
        )
        self._in_flight += 1
        try:
            first = bool(scope.get(FIRST_ON_CONNECTION, False))
            loop = asyncio.get_running_loop()
            recorded: asyncio.Future[None] = loop.create_future()
            settle = _Settle(loop, recorded)
            status, extra, payload = await self._pool.run(
                self._work, signed, route, target, client, settle, urgent=first
            )
            if settle.handed:  # the call's record is committed before it answers
                if settle.held:
                    self._watch_held(loop, recorded)
                await recorded
        finally:
            self._in_flight -= 1
        await answer(status, payload, extra, False)

    def _watch_held(self, loop: asyncio.AbstractEventLoop, recorded: asyncio.Future[None]) -> None:
        """Make sure a held record waits no more than about :data:`HOLD_WAIT` (one timer at
        a time, not one per call)."""
        self._held_last = recorded
        if self._held_check is None:
            self._held_check = loop.call_later(HOLD_WAIT, self._check_held, loop, recorded)

    def _check_held(self, loop: asyncio.AbstractEventLoop, oldest: asyncio.Future[None]) -> None:
        """On the loop, :data:`HOLD_WAIT` after ``oldest`` was held: still not committed, its
        holder is busy elsewhere, and so may be every thread of the pool, so it is committed
        on a thread of the loop's default executor. Watched on while a held record waits."""
        self._held_check = None
        if not oldest.done() and self._flush is not None:
            with contextlib.suppress(RuntimeError):  # the loop's executor is shut down
                loop.run_in_executor(None, self._flush)
        last = self._held_last
        if last is not None and not last.done():
            self._held_check = loop.call_later(HOLD_WAIT, self._check_held, loop, last)

    # -- the body --------------------------------------------------------------------------

    async def _read_body(self, receive: Any, headers: dict[str, str], started: float) -> bytes:
        cap = self.limits.max_body_bytes
        declared = headers.get("content-length", "").strip()
        # The HTTP parser has checked and framed it; only plain ASCII digits are read here.
        if _DIGITS.fullmatch(declared) and int(declared) > cap:
            raise _TooLarge(int(declared))
        deadline = started + self.limits.request_timeout
        chunks: list[bytes] = []
        total = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > cap:
                raise _TooLarge(None)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _drain(self, receive: Any, headers: dict[str, str]) -> None:
        """Read (and drop) what the client is still sending for a moment, so it gets to read
        the 413 instead of a connection reset. A client waiting for ``100 Continue`` sends
        nothing more, so it is answered at once."""
        if headers.get("expect", "").lower() == "100-continue":
            return
        budget = 16 * self.limits.max_body_bytes
        deadline = time.monotonic() + 2.0
        while budget > 0:
            remaining = min(0.25, deadline - time.monotonic())
            if remaining <= 0:
                return
            try:
                async with asyncio.timeout(remaining):
                    message = await receive()
            except TimeoutError:
                return
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                return
            budget -= len(message.get("body", b""))

    # -- the work (on a pool thread) ---------------------------------------------------------

    def _work(
        self,
        signed: sigv4.SignedRequest,
        route: Route | None,
        target: str,
        client: str,
        recorded: _Settle | None = None,
    ) -> Answer:
        """The answer. When its record was handed over, ``recorded.handed`` is set and
        ``recorded()`` is called once it is committed: the thread goes on meanwhile."""
        # The request id and headers of an answer made here (a refusal); the app's own
        # answers carry theirs. (_send gives these their id.)
        json_headers = {"Content-Type": JSON_CONTENT_TYPE}
        prepared: list[Any] = []
        prepare = getattr(self.app, "prepare_call", None)

        def secret_for(access_key: str) -> str | None:
            if prepare is None:
                return self._secret_for(access_key)
            # The Sandbox reads the secret, the caller and its clock in one transaction.
            prepared.append(prepare(access_key))
            return prepared[-1].secret  # type: ignore[no-any-return]

        try:
            verified = sigv4.verify_request(
                signed,
                secret_for,
                region=region_is_valid,
                service=route.service if route is not None else DEFAULT_SERVICE,
            )
        except sigv4.AuthError as exc:
            return exc.status, json_headers, error_body(exc.code, exc.message)
        if signed.method != "POST":
            message = f"KMS answers POST requests with an X-Amz-Target header, not {signed.method}."
            return 400, json_headers, error_body("UnknownOperationException", message)
        if route is None:
            message = (
                "The request has no X-Amz-Target header."
                if not target
                else f"Unknown operation target '{target}'."
            )
            return 400, json_headers, error_body("UnknownOperationException", message)
        agent = signed.header("user-agent") or ""
        submit = getattr(self.app, "submit_record", None) if recorded is not None else None
        sink: list[Any] | None = [] if submit is not None else None
        call = Call(
            target,
            signed.body,
            verified.region,
            verified.access_key,
            client,
            agent,
            prepared[-1] if prepared else None,
            sink,
        )
        try:
            status, headers, payload = route.answer(self.app, call)
        except Exception:  # the engine promises not to raise; never let a bug kill a worker
            logger.exception("the sandbox failed on %s", target)
            message = "The sandbox failed to answer the request."
            return 500, json_headers, error_body("KMSInternalException", message)
        if sink and submit is not None and recorded is not None:
            recorded.handed = True
            recorded.held = self._pool.on_idle is not None and self._pool.queued()
            submit(sink[0], recorded, recorded.held)
        return status, dict(headers), payload

    # -- the answer --------------------------------------------------------------------------

    @staticmethod
    async def _send(
        send: Any, status: int, payload: bytes, headers: dict[str, str], close: bool
    ) -> None:
        out: list[tuple[bytes, bytes]] = []
        seen = set()
        for name, value in headers.items():
            lower = name.lower()
            if lower in ("content-length", "connection", "date", "server"):
                continue
            seen.add(lower)
            out.append((name.encode("latin-1"), value.encode("latin-1")))
        if "x-amzn-requestid" not in seen:
            out.append((b"x-amzn-RequestId", str(uuid.uuid4()).encode("ascii")))
        if "content-type" not in seen:
            out.append((b"Content-Type", JSON_CONTENT_TYPE.encode("ascii")))
        # Tells kmsworkbench's own client that this KMS has no request quotas to pace for.
        out.append(SANDBOX_HEADER)
        out.append((b"Content-Length", str(len(payload)).encode("ascii")))
        if close:
            out.append((b"Connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": payload, "more_body": False})
