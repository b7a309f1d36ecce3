"""The sandbox KMS over HTTP: KMS's JSON 1.1 protocol, SigV4-checked, for clients we did not
write (the AWS CLI, boto3, any SDK pointed at ``AWS_ENDPOINT_URL_KMS``).

``POST /`` with ``X-Amz-Target: TrentService.<Operation>`` and an
``application/x-amz-json-1.1`` body is checked against the sandbox's own credentials
(:mod:`kmsworkbench.sandbox.sigv4`) and handed to ``Sandbox.handle``. Everything else gets a
KMS-shaped JSON error (``{"__type": ..., "message": ...}``) with an ``x-amzn-RequestId``
header, never a 500 for bad input and never a dead server.

Limits that keep one bad client from hurting the others:

- a bounded pool of worker threads (one per open connection), and a cap on connections
  accepted but not yet served; beyond it a client gets ``ThrottlingException`` at once;
- a request body cap (1 MiB by default; KMS's largest legal request is a few tens of KB):
  larger requests get 413 ``RequestEntityTooLargeException`` and the connection is closed;
- a timeout on every socket read (an idle keep-alive connection or a stalled client is
  dropped; a stalled request gets 408) and a deadline for reading a whole request body.

Stopping is graceful: the listening socket closes at once, idle keep-alive connections are
closed, requests in flight are answered (with ``Connection: close``), then the worker threads
are joined.

One line per request goes to the ``kmsworkbench.sandbox.server`` logger (client, operation,
status, error code, latency); never a body, since a Decrypt response carries a plaintext
private key.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import selectors
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from kmsworkbench.sandbox import sigv4

if TYPE_CHECKING:
    from kmsworkbench.sandbox import Sandbox

logger = logging.getLogger("kmsworkbench.sandbox.server")

#: The port ``kmsworkbench serve`` and ``kmsworkbench sandbox env`` use unless told otherwise.
DEFAULT_PORT = 4599
DEFAULT_HOST = "127.0.0.1"

TARGET_PREFIX = "TrentService."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


class KmsApp(Protocol):
    """What the server serves: the Sandbox, or anything with the same surface."""

    region: str
    access_key_id: str
    secret_access_key: str

    def handle(self, target: str, body: bytes) -> tuple[int, dict[str, str], bytes]: ...


@dataclass(frozen=True)
class ServerLimits:
    """Resource limits of one server."""

    max_body_bytes: int = 1024 * 1024
    read_timeout: float = 10.0  # seconds for each socket read (idle keep-alive included)
    request_timeout: float = 30.0  # seconds to receive one whole request body
    max_workers: int = 32  # connections served at the same time
    max_pending: int = 128  # connections accepted and waiting for a worker


# Status of our own (non-engine) errors, with the code each gets.
_HTTP_ERROR_CODES: dict[int, str] = {
    400: "BadRequestException",
    404: "UnknownOperationException",
    408: "RequestTimeoutException",
    411: "LengthRequiredException",
    413: "RequestEntityTooLargeException",
    414: "RequestURITooLongException",
    431: "RequestHeaderFieldsTooLargeException",
}


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode("utf-8")


def _error_code_of(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    code = data.get("__type", "") if isinstance(data, dict) else ""
    return str(code).rsplit("#", 1)[-1]


class _RequestTimeout(Exception):
    pass


class _BodyTooLarge(Exception):
    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


class _BadFraming(Exception):
    pass


class KmsRequestHandler(BaseHTTPRequestHandler):
    """One connection: HTTP/1.1 with keep-alive, any number of requests."""

    protocol_version = "HTTP/1.1"
    server_version = "kmsworkbench"
    sys_version = ""
    server: KmsHTTPServer

    # -- connection lifecycle --------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.limits.read_timeout)
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._killed = False
        self._started = time.monotonic()

    def handle(self) -> None:
        self.close_connection = True
        try:
            self.handle_one_request()
            while not self.close_connection:
                self.handle_one_request()
        except (ConnectionError, OSError) as exc:
            logger.debug("connection from %s ended: %s", self.client_address[0], exc)
        finally:
            self.server._set_state(self, None)

    def handle_one_request(self) -> None:
        self.close_connection = True
        self.requestline = ""
        self.request_version = ""
        self.command = ""
        if not self.server._set_state(self, "idle"):
            return
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except TimeoutError:
            return  # an idle keep-alive connection (or a silent client) times out quietly
        if not self.raw_requestline:
            return
        self._started = time.monotonic()
        if not self.server._set_state(self, "busy"):
            return
        try:
            if len(self.raw_requestline) > 65536:
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.parse_request():
                return
            self._serve_request()
        except TimeoutError:
            self._send_error_safely(
                408, "RequestTimeoutException", "The client did not send the request in time."
            )
        finally:
            if self.server.stopping:
                self.close_connection = True

    # -- reading the request ---------------------------------------------------------------

    def handle_expect_100(self) -> bool:
        declared = self.headers.get("Content-Length")
        if declared is not None and declared.strip().isdigit():
            size = int(declared)
            if size > self.server.limits.max_body_bytes:
                self._refuse_too_large(size)
                return False
        return super().handle_expect_100()

    def _set_deadline_timeout(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _RequestTimeout
        self.connection.settimeout(min(self.server.limits.read_timeout, remaining))

    def _read_exact(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining > 0:
            self._set_deadline_timeout(deadline)
            try:
                chunk = self.rfile.read1(min(remaining, 65536))
            except TimeoutError:
                raise _RequestTimeout from None
            if not chunk:
                raise _BadFraming("The connection closed before the whole body arrived.")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _read_line(self, deadline: float) -> bytes:
        self._set_deadline_timeout(deadline)
        try:
            line = self.rfile.readline(1026)
        except TimeoutError:
            raise _RequestTimeout from None
        if not line.endswith(b"\n"):
            raise _BadFraming("Malformed chunked transfer encoding.")
        return line

    def _read_chunked(self, deadline: float) -> bytes:
        cap = self.server.limits.max_body_bytes
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self._read_line(deadline)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _BadFraming("Malformed chunk size in chunked transfer encoding.") from None
            if size < 0:
                raise _BadFraming("Malformed chunk size in chunked transfer encoding.")
            if size == 0:
                # Trailers, up to the empty line.
                for _ in range(100):
                    if self._read_line(deadline) in (b"\r\n", b"\n"):
                        return b"".join(chunks)
                raise _BadFraming("Too many trailer lines in chunked transfer encoding.")
            total += size
            if total > cap:
                raise _BodyTooLarge(None)
            chunks.append(self._read_exact(size, deadline))
            if self._read_line(deadline) not in (b"\r\n", b"\n"):
                raise _BadFraming("A chunk is longer than its declared size.")

    def _read_body(self) -> bytes:
        deadline = self._started + self.server.limits.request_timeout
        encoding = self.headers.get("Transfer-Encoding")
        if encoding is not None:
            if encoding.strip().lower() != "chunked":
                raise _BadFraming(f"Transfer-Encoding '{encoding}' is not supported.")
            return self._read_chunked(deadline)
        declared = self.headers.get_all("Content-Length") or []
        if not declared:
            return b""
        if len(set(v.strip() for v in declared)) != 1 or not declared[0].strip().isdigit():
            raise _BadFraming("The Content-Length header is not a valid number.")
        size = int(declared[0])
        if size > self.server.limits.max_body_bytes:
            raise _BodyTooLarge(size)
        return self._read_exact(size, deadline)

    # -- answering -------------------------------------------------------------------------

    def _serve_request(self) -> None:
        request_id = str(uuid.uuid4())
        target = self.headers.get("X-Amz-Target", "").strip()
        label = target.removeprefix(TARGET_PREFIX) if target else f"{self.command} {self.path}"
        try:
            body = self._read_body()
        except _BodyTooLarge as exc:
            # Logged before answering, so a client that has its answer finds the line written.
            self._log(label, 413, "RequestEntityTooLargeException")
            self._refuse_too_large(exc.size)
            return
        except _RequestTimeout:
            self.close_connection = True
            self._log(label, 408, "RequestTimeoutException")
            self._send_error_safely(
                408, "RequestTimeoutException", "The client did not send the request in time."
            )
            return
        except _BadFraming as exc:
            self.close_connection = True
            self._log(label, 400, "BadRequestException")
            self._send_json(400, request_id, _error_body("BadRequestException", str(exc)))
            return

        status, headers, payload = self._dispatch(target, body, request_id)
        self._log(label, status, _error_code_of(payload) if status >= 300 else "")
        self._send_response(status, headers, payload)

    def _dispatch(
        self, target: str, body: bytes, request_id: str
    ) -> tuple[int, dict[str, str], bytes]:
        app = self.server.app
        split = urlsplit(self.path)
        signed = sigv4.SignedRequest(
            method=self.command,
            path=split.path or "/",
            query=split.query,
            headers=list(self.headers.items()),
            body=body,
        )
        try:
            sigv4.verify(
                signed,
                {app.access_key_id: app.secret_access_key},
                region=app.region,
                service="kms",
            )
        except sigv4.AuthError as exc:
            return exc.status, self._json_headers(request_id), _error_body(exc.code, exc.message)
        if self.command != "POST":
            return (
                400,
                self._json_headers(request_id),
                _error_body(
                    "UnknownOperationException",
                    f"KMS answers POST requests with an X-Amz-Target header, not {self.command}.",
                ),
            )
        if not target.startswith(TARGET_PREFIX) or len(target) == len(TARGET_PREFIX):
            message = (
                "The request has no X-Amz-Target header."
                if not target
                else f"Unknown operation target '{target}'."
            )
            return (
                400,
                self._json_headers(request_id),
                _error_body("UnknownOperationException", message),
            )
        try:
            status, headers, payload = app.handle(target, body)
        except Exception:  # the engine promises not to raise; never let a bug kill a worker
            logger.exception("the sandbox failed on %s", target)
            return (
                500,
                self._json_headers(request_id),
                _error_body("KMSInternalException", "The sandbox failed to answer the request."),
            )
        return status, dict(headers), payload

    @staticmethod
    def _json_headers(request_id: str) -> dict[str, str]:
        return {"x-amzn-RequestId": request_id, "Content-Type": JSON_CONTENT_TYPE}

    def _send_json(self, status: int, request_id: str, payload: bytes) -> None:
        self._send_response(status, self._json_headers(request_id), payload)

    def _send_response(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        lowered = {k.lower() for k in headers}
        out = dict(headers)
        if "x-amzn-requestid" not in lowered:
            out["x-amzn-RequestId"] = str(uuid.uuid4())
        if "content-type" not in lowered:
            out["Content-Type"] = JSON_CONTENT_TYPE
        for name in [k for k in out if k.lower() in ("content-length", "connection", "date")]:
            del out[name]
        if self.server.stopping:
            self.close_connection = True
        out["Content-Length"] = str(len(payload))
        out["Date"] = formatdate(usegmt=True)
        if self.close_connection:
            out["Connection"] = "close"
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        head = [f"{self.protocol_version} {status} {reason}"]
        head.extend(f"{k}: {v}" for k, v in out.items())
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            data += payload
        self.connection.settimeout(self.server.limits.read_timeout)
        self.wfile.write(data)

    def _send_error_safely(self, status: int, code: str, message: str) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self._send_json(status, str(uuid.uuid4()), _error_body(code, message))

    def _refuse_too_large(self, size: int | None) -> None:
        limit = self.server.limits.max_body_bytes
        told = f"of {size} bytes " if size is not None else ""
        message = (
            f"The request body {told}is larger than the {limit} bytes this server accepts "
            "(KMS requests are at most a few tens of kilobytes)."
        )
        self._send_error_safely(413, "RequestEntityTooLargeException", message)
        self._linger()

    def _linger(self) -> None:
        """Half-close and read (and drop) what the client is still sending for a moment, so
        it gets to read our answer instead of a connection reset."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.5)
            deadline = time.monotonic() + 2.0
            budget = 16 * self.server.limits.max_body_bytes
            while budget > 0 and time.monotonic() < deadline:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                budget -= len(chunk)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by the stdlib request parser, as KMS-shaped JSON."""
        status = int(code)
        if status >= 500:  # e.g. 505 for "HTTP/9.9": bad input is the client's fault, a 400
            status = 400
        error = _HTTP_ERROR_CODES.get(status, "BadRequestException")
        text = message or HTTPStatus(status).phrase
        if explain:
            text = f"{text}: {explain}"
        self._log(self.command or "-", status, error)
        self._send_error_safely(status, error, text)

    # -- logging ---------------------------------------------------------------------------

    def _log(self, label: str, status: int, code: str) -> None:
        latency = (time.monotonic() - self._started) * 1000.0
        suffix = f" {code}" if code else ""
        logger.info("%s %s %d%s %.1fms", self.client_address[0], label, status, suffix, latency)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.client_address[0], *args)


class KmsHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer with a bounded worker pool, instant wake-up for stopping, and
    graceful shutdown. ``app`` answers the KMS requests."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self,
        server_address: tuple[str, int],
        app: KmsApp,
        limits: ServerLimits | None = None,
    ) -> None:
        self.app = app
        self.limits = limits or ServerLimits()
        self.address_family = _family_for(server_address[0])
        self.stopping = False
        self._state_lock = threading.Lock()
        self._connections: dict[KmsRequestHandler, str] = {}
        self._pending = 0
        self._executor = ThreadPoolExecutor(
            max_workers=self.limits.max_workers, thread_name_prefix="kms-http"
        )
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._stop_requested = threading.Event()
        self._loop_done = threading.Event()
        self._loop_done.set()
        try:
            super().__init__(server_address, KmsRequestHandler)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._wake_r.close()
            self._wake_w.close()
            raise

    # -- connection bookkeeping --------------------------------------------------------------

    def _set_state(self, handler: KmsRequestHandler, state: str | None) -> bool:
        """Record a connection as idle (waiting for a request), busy, or gone. Returns False
        when the connection must close instead (the server is stopping)."""
        with self._state_lock:
            if state is None:
                self._connections.pop(handler, None)
                return False
            if handler._killed or (self.stopping and state == "idle"):
                return False
            self._connections[handler] = state
            return True

    # -- accepting -------------------------------------------------------------------------

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._state_lock:
            full = self._pending >= self.limits.max_workers + self.limits.max_pending
            if not full:
                self._pending += 1
        if full:
            self._refuse_busy(request)
            return
        self._executor.submit(self._work, request, client_address)

    def _work(self, request: socket.socket, client_address: object) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._state_lock:
                self._pending -= 1

    @staticmethod
    def _refuse_busy(request: socket.socket) -> None:
        body = _error_body("ThrottlingException", "Rate exceeded")
        head = (
            "HTTP/1.1 400 Bad Request\r\n"
            f"x-amzn-RequestId: {uuid.uuid4()}\r\n"
            f"Content-Type: {JSON_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("latin-1")
        with contextlib.suppress(OSError):
            request.settimeout(1.0)
            request.sendall(head + body)
        with contextlib.suppress(OSError):
            request.close()

    def handle_error(self, request: object, client_address: object) -> None:  # type: ignore[override]
        logger.exception("error while serving %s", client_address)

    def run(self) -> None:
        """Accept connections until :meth:`request_stop` is called."""
        self._loop_done.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ, "accept")
                selector.register(self._wake_r, selectors.EVENT_READ, "wake")
                while not self._stop_requested.is_set():
                    for key, _ in selector.select():
                        if key.data == "wake":
                            with contextlib.suppress(OSError):
                                self._wake_r.recv(512)
                        elif not self._stop_requested.is_set():
                            self._handle_request_noblock()
        finally:
            self._loop_done.set()

    def request_stop(self) -> None:
        """Ask :meth:`run` to return (safe from a signal handler or another thread)."""
        self._stop_requested.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def drain(self, timeout: float = 10.0) -> None:
        """After :meth:`run` returned: close the listening socket, close idle connections,
        let requests in flight finish (up to ``timeout`` seconds), then join the workers."""
        self._loop_done.wait()
        with self._state_lock:
            self.stopping = True
            busy = []
            for handler, state in self._connections.items():
                if state == "idle":
                    handler._killed = True
                    _shutdown_socket(handler.connection)
                else:
                    busy.append(handler)
        self.server_close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._state_lock:
                if not self._connections and self._pending == 0:
                    break
                for handler, state in self._connections.items():
                    if state == "idle" and not handler._killed:
                        handler._killed = True
                        _shutdown_socket(handler.connection)
            time.sleep(0.005)
        with self._state_lock:
            for handler in list(self._connections):
                handler._killed = True
                _shutdown_socket(handler.connection)
        self._executor.shutdown(wait=True, cancel_futures=False)
        self._wake_r.close()
        self._wake_w.close()


def _shutdown_socket(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _family_for(host: str) -> socket.AddressFamily:
    try:
        return (
            socket.AF_INET6
            if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
            else socket.AF_INET
        )
    except ValueError:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        return infos[0][0] if infos else socket.AF_INET


def is_loopback(host: str) -> bool:
    """True when ``host`` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_url_for(host: str, port: int) -> str:
    """The URL a client on this machine uses to reach a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class ServerHandle:
    """A server running on a background thread. ``stop()`` (or leaving the ``with`` block)
    stops it gracefully, releases the port and joins its threads."""

    def __init__(self, server: KmsHTTPServer, app: KmsApp, owns_app: bool) -> None:
        self.server = server
        self.app = app
        self._owns_app = owns_app
        host, port = server.server_address[:2]
        self.host: str = str(host)
        self.port: int = int(port)
        self.endpoint_url = endpoint_url_for(self.host, self.port)
        self._thread = threading.Thread(target=server.run, name="kms-http-accept", daemon=True)
        self._stopped = False
        self._lock = threading.Lock()

    @property
    def sandbox(self) -> Sandbox:
        return self.app  # type: ignore[return-value]

    def _start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self.server.request_stop()
        self._thread.join()
        self.server.drain(timeout)
        if self._owns_app:
            close = getattr(self.app, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ServerHandle({self.endpoint_url!r})"


def serve_app_background(
    app: KmsApp,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    limits: ServerLimits | None = None,
    owns_app: bool = False,
) -> ServerHandle:
    """Serve ``app`` (a Sandbox or an object with the same ``handle`` surface) on a
    background thread; ``port=0`` picks a free port."""
    server = KmsHTTPServer((host, port), app, limits)
    handle = ServerHandle(server, app, owns_app)
    handle._start()
    return handle


def start_background(
    data_dir: str | Path,
    host: str = DEFAULT_HOST,
    port: int = 0,
    region: str | None = None,
    *,
    limits: ServerLimits | None = None,
) -> ServerHandle:
    """Open the sandbox in ``data_dir`` and serve it on a background thread. ``stop()``
    closes the sandbox too."""
    from kmsworkbench.sandbox import Sandbox

    sandbox = Sandbox.open(data_dir, region)
    try:
        return serve_app_background(sandbox, host, port, limits=limits, owns_app=True)
    except BaseException:
        sandbox.close()
        raise


def serve_app_forever(
    app: KmsApp,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    on_ready: Callable[[str], None] | None = None,
    limits: ServerLimits | None = None,
) -> None:
    """Serve ``app`` until SIGINT or SIGTERM (handlers are installed when called from the main
    thread), then stop gracefully: requests in flight are answered before this returns."""
    server = KmsHTTPServer((host, port), app, limits)
    previous: dict[int, object] = {}

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("stopping (%s); finishing requests in flight", signal.Signals(signum).name)
        server.request_stop()

    in_main = threading.current_thread() is threading.main_thread()
    try:
        if in_main:
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, _on_signal)
        bound_host, bound_port = server.server_address[:2]
        if on_ready is not None:
            on_ready(endpoint_url_for(str(bound_host), int(bound_port)))
        try:
            server.run()
        except KeyboardInterrupt:
            server.request_stop()
    finally:
        server.request_stop()
        server.drain()
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def serve_forever(
    data_dir: str | Path,
    host: str = DEFAULT_HOST,
    port: int = 0,
    region: str | None = None,
    *,
    on_ready: Callable[[str], None] | None = None,
    limits: ServerLimits | None = None,
) -> None:
    """Serve the sandbox in ``data_dir`` until SIGINT or SIGTERM, then stop gracefully."""
    from kmsworkbench.sandbox import Sandbox

    sandbox = Sandbox.open(data_dir, region)
    try:
        serve_app_forever(sandbox, host, port, on_ready=on_ready, limits=limits)
    finally:
        sandbox.close()


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "KmsApp",
    "KmsHTTPServer",
    "ServerHandle",
    "ServerLimits",
    "endpoint_url_for",
    "is_loopback",
    "serve_app_background",
    "serve_app_forever",
    "serve_forever",
    "start_background",
]
