"""The sandbox KMS over HTTP(S): :mod:`kmsworkbench.sandbox.asgi` served by uvicorn.

For clients we did not write (the AWS CLI, boto3, any SDK pointed at ``AWS_ENDPOINT_URL_KMS``).
uvicorn does the HTTP/1.1 work: parsing, keep-alive, idle timeouts, flow control, TLS and
graceful shutdown; :mod:`kmsworkbench.sandbox.http11` adds a deadline for request heads,
JSON errors for requests that do not parse and a connection cap. Every connection is a
coroutine on one event loop, not a thread, so keep-alive clients and slow clients cost a
socket each and never starve the others; the requests' work runs in a bounded thread pool.

Why uvicorn: it is what Python users already run and recognise, it is small, and its HTTP
parsing is either llhttp (through httptools, Node.js's parser) or h11. httptools on uvloop
(uvicorn's "standard" set) is the default because it measured cheapest here: about 0.85 ms
of server CPU per request for the benchmark mix, against 1.1 ms for httptools on asyncio's
loop and 1.3 to 1.6 ms for h11 (``benchmarks/bench_serve_load.py``). h11 and asyncio's loop
stay selectable through :class:`ServerLimits` for comparison. One difference shows: llhttp
knows the registered HTTP methods only, so an extension method such as ``BREW`` is a
malformed request (400 ``BadRequestException``) rather than an unknown operation.

Stopping is graceful: the listening socket closes at once, idle keep-alive connections are
closed, requests in flight are answered (with ``Connection: close``), then the pool's threads
are joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

import uvicorn

from kmsworkbench.sandbox import checkpointer, keypool
from kmsworkbench.sandbox.asgi import AppLimits, KmsApp, KmsAsgiApp
from kmsworkbench.sandbox.http11 import protocol_class

if TYPE_CHECKING:
    from kmsworkbench.sandbox import Sandbox

logger = logging.getLogger("kmsworkbench.sandbox.server")

#: The port ``kmsworkbench serve`` and ``kmsworkbench sandbox env`` use unless told otherwise.
DEFAULT_PORT = 4599
DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class TlsFiles:
    """The server certificate chain and key that ``serve --tls`` uses, and the CA to trust."""

    certfile: Path
    keyfile: Path
    ca_bundle: Path


@dataclass(frozen=True)
class ServerLimits:
    """Resource limits of one server."""

    max_body_bytes: int = 1024 * 1024
    read_timeout: float = 10.0  # idle keep-alive, and the whole request head
    request_timeout: float = 30.0  # seconds to receive one whole request body
    max_workers: int = 32  # threads at most (two work while they keep up: workpool)
    max_pending: int = 512  # requests waiting for a thread; beyond: ThrottlingException
    max_connections: int = 4096  # open connections; beyond: ThrottlingException
    graceful_timeout: float = 10.0  # seconds for requests in flight when stopping
    latency: float = 0.0  # seconds added before each answer (serve --latency-ms)
    http: str = "httptools"  # uvicorn's HTTP implementation: "httptools" or "h11"
    loop: str = "uvloop"  # "uvloop" (when installed) or "asyncio"
    # RSA key pairs kept ready per size (``keypool``); None: KMSWORKBENCH_RSA_POOL (default 4)
    # for ``serve`` (serve_app_forever), off for background servers (tests, embedding).
    rsa_pool: int | None = None


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, woken at once to stop (not on its 0.1 s tick), with signal handling
    left to us (uvicorn's re-raises the signal after stopping, which would kill ``serve``)."""

    def __init__(self, config: uvicorn.Config, app: KmsAsgiApp) -> None:
        super().__init__(config)
        self.kms = app
        self.loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        await super().startup(sockets=sockets)

    async def main_loop(self) -> None:
        assert self._wake is not None
        while not await self.on_tick(0):  # tick 0 refreshes the Date header
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._wake.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.kms.stopping = True
        reaper = None
        if self.config.ssl_certfile is not None:
            reaper = asyncio.ensure_future(self._abort_closed_tls())
        try:
            await super().shutdown(sockets=sockets)
        finally:
            if reaper is not None:
                reaper.cancel()

    async def _abort_closed_tls(self) -> None:
        """A TLS connection that is closed while idle waits for the client's close_notify,
        and an idle keep-alive client never sends one: the stop waited the whole graceful
        timeout (10 s) for each such client. A connection told to close, with no request in
        flight and nothing left to write, is aborted instead. Requests in flight are still
        answered, and their connections closed once the answer is out."""
        while True:
            await asyncio.sleep(0.05)
            for connection in list(self.server_state.connections):
                transport = getattr(connection, "transport", None)
                cycle = getattr(connection, "cycle", None)
                if transport is None or not transport.is_closing():
                    continue
                if cycle is not None and not cycle.response_complete:
                    continue
                if transport.get_write_buffer_size() == 0:
                    transport.abort()

    def wake(self) -> None:
        loop, event = self.loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)


class KmsServer:
    """One listening socket and the uvicorn server on it. ``run()`` serves on the calling
    thread until ``request_stop()``; the socket is bound (and errors such as a busy port
    raised) when the object is made."""

    def __init__(
        self,
        address: tuple[str, int],
        app: KmsApp,
        limits: ServerLimits | None = None,
        tls: TlsFiles | None = None,
        listening: socket.socket | None = None,
    ) -> None:
        self.app = app
        self.limits = limits or ServerLimits()
        self.tls = tls
        # ``listening``: a socket bound and listening already (one another process shares).
        self.socket = listening if listening is not None else _bind(address[0], address[1])
        self.server_address: tuple[str, int] = self.socket.getsockname()[:2]
        lim = self.limits
        self.asgi = KmsAsgiApp(
            app,
            AppLimits(
                max_body_bytes=lim.max_body_bytes,
                request_timeout=lim.request_timeout,
                max_workers=lim.max_workers,
                max_pending=lim.max_pending,
                latency=lim.latency,
            ),
        )
        config = uvicorn.Config(
            app=self.asgi,
            http=protocol_class(
                lim.http, read_timeout=lim.read_timeout, max_connections=lim.max_connections
            ),
            ws="none",
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,
            server_header=False,
            proxy_headers=False,
            timeout_keep_alive=lim.read_timeout,  # type: ignore[arg-type]
            timeout_graceful_shutdown=lim.graceful_timeout,  # type: ignore[arg-type]
            h11_max_incomplete_event_size=64 * 1024,
            ssl_certfile=str(tls.certfile) if tls else None,
            ssl_keyfile=str(tls.keyfile) if tls else None,
        )
        self._uvicorn = _Uvicorn(config, self.asgi)
        self._stop_requested = threading.Event()

    @property
    def stopping(self) -> bool:
        return self.asgi.stopping

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def run(self) -> None:
        """Serve until :meth:`request_stop`, then stop gracefully and return. The RSA key
        pool (``keypool``) and the WAL checkpoints (``checkpointer``) run while this serves."""
        keypool.acquire(self.limits.rsa_pool or 0)
        wal = checkpointer.for_app(self.app)  # WAL checkpoints off the calls' path
        try:
            if wal is not None:
                wal.start()
            if not self._stop_requested.is_set():
                with asyncio.Runner(loop_factory=_loop_factory(self.limits.loop)) as runner:
                    runner.run(self._uvicorn.serve(sockets=[self.socket]))
        finally:
            keypool.release()
            with contextlib.suppress(OSError):
                self.socket.close()
            self.asgi.close()
            if wal is not None:  # after the last call's work
                wal.stop()

    def request_stop(self) -> None:
        """Ask :meth:`run` to stop (safe from a signal handler or another thread)."""
        self._stop_requested.set()
        self.asgi.stopping = True
        self._uvicorn.should_exit = True
        self._uvicorn.wake()

    def close_unstarted(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.close()
        self.asgi.close()


def _loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when asked for and installed (not on Windows), else asyncio's."""
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            return None
        return uvloop.new_event_loop
    return None


def _bind(host: str, port: int) -> socket.socket:
    family = _family_for(host)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except BaseException:
        sock.close()
        raise
    return sock


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


def endpoint_url_for(host: str, port: int, scheme: str = "http") -> str:
    """The URL a client on this machine uses to reach a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


class ServerHandle:
    """A server running on a background thread. ``stop()`` (or leaving the ``with`` block)
    stops it gracefully, releases the port and joins its threads."""

    def __init__(self, server: KmsServer, app: KmsApp, owns_app: bool) -> None:
        self.server = server
        self.app = app
        self._owns_app = owns_app
        host, port = server.server_address
        self.host: str = str(host)
        self.port: int = int(port)
        self.endpoint_url = endpoint_url_for(self.host, self.port, server.scheme)
        self._thread = threading.Thread(target=server.run, name="kms-http", daemon=True)
        self._stopped = False
        self._lock = threading.Lock()

    @property
    def sandbox(self) -> Sandbox:
        return self.app  # type: ignore[return-value]

    def _start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self.server.request_stop()
        self._thread.join(timeout)
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
    tls: TlsFiles | None = None,
    owns_app: bool = False,
) -> ServerHandle:
    """Serve ``app`` (a Sandbox or an object with the same ``handle`` surface) on a
    background thread; ``port=0`` picks a free port."""
    server = KmsServer((host, port), app, limits, tls)
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
    tls: TlsFiles | None = None,
) -> ServerHandle:
    """Open the sandbox in ``data_dir`` and serve it on a background thread. ``stop()``
    closes the sandbox too."""
    from kmsworkbench.sandbox import Sandbox

    sandbox = Sandbox.open(data_dir, region)
    try:
        return serve_app_background(sandbox, host, port, limits=limits, tls=tls, owns_app=True)
    except BaseException:
        sandbox.close()
        raise


def _stop_signals() -> list[signal.Signals]:
    """The signals that stop ``serve`` gracefully: SIGINT, SIGTERM and, where there is one,
    SIGHUP, unless it is ignored (``nohup kmsworkbench serve`` is to outlive its terminal)."""
    signals = [signal.SIGINT, signal.SIGTERM]
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is not None and signal.getsignal(hangup) is not signal.SIG_IGN:
        signals.append(hangup)
    return signals


def serve_app_forever(
    app: KmsApp,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    on_ready: Callable[[str], None] | None = None,
    limits: ServerLimits | None = None,
    tls: TlsFiles | None = None,
    listening: socket.socket | None = None,
    on_listening: Callable[[socket.socket], Callable[[], None]] | None = None,
) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, or SIGHUP (its terminal was closed) unless that
    is ignored (``nohup``); the handlers are installed when called from the main thread.
    Then stop gracefully: requests in flight are answered before this returns. The RSA key
    pool is on unless ``limits.rsa_pool`` or KMSWORKBENCH_RSA_POOL says 0.

    ``listening``: serve on this socket (bound and listening already) instead of binding one.
    ``on_listening(socket)`` is called once the socket listens, before ``on_ready``; the
    function it returns is called once serving has stopped (``serve --processes`` starts and
    stops its other serving processes so)."""
    limits = limits or ServerLimits()
    if limits.rsa_pool is None:
        limits = dataclasses.replace(limits, rsa_pool=keypool.size_from_env())
    server = KmsServer((host, port), app, limits, tls, listening)
    previous: dict[int, object] = {}
    after: Callable[[], None] | None = None

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("stopping (%s); finishing requests in flight", signal.Signals(signum).name)
        server.request_stop()

    in_main = threading.current_thread() is threading.main_thread()
    try:
        if in_main:
            for sig in _stop_signals():
                previous[sig] = signal.signal(sig, _on_signal)
        bound_host, bound_port = server.server_address
        if on_listening is not None:
            after = on_listening(server.socket)
        if on_ready is not None:
            on_ready(endpoint_url_for(str(bound_host), int(bound_port), server.scheme))
        try:
            server.run()
        except KeyboardInterrupt:
            server.request_stop()
    finally:
        server.request_stop()
        server.close_unstarted()
        if after is not None:
            after()
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
    tls: TlsFiles | None = None,
) -> None:
    """Serve the sandbox in ``data_dir`` until SIGINT or SIGTERM, then stop gracefully."""
    from kmsworkbench.sandbox import Sandbox

    sandbox = Sandbox.open(data_dir, region)
    try:
        serve_app_forever(sandbox, host, port, on_ready=on_ready, limits=limits, tls=tls)
    finally:
        sandbox.close()


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "KmsApp",
    "KmsServer",
    "ServerHandle",
    "ServerLimits",
    "TlsFiles",
    "endpoint_url_for",
    "is_loopback",
    "serve_app_background",
    "serve_app_forever",
    "serve_forever",
    "start_background",
]
