"""``kmsworkbench web``: the TUI served to a browser. Headless Chromium (Debian's package)
loads the page; its JavaScript opens the WebSocket and the key list of the sandbox arrives
in the terminal stream the page renders. Binding to a non-loopback address is refused
without --allow-remote."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from kmsworkbench.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert proc.poll() is None, "the process exited"
            time.sleep(0.1)
    pytest.fail(f"nothing listens on {port}")


async def _frames_until(url: str, needle: bytes, debug_port: int, seconds: float) -> bytes:
    """Load ``url`` in headless Chromium and collect what its WebSockets receive (through the
    DevTools protocol) until ``needle`` is in it or time runs out."""
    import aiohttp

    browser = subprocess.Popen(
        [
            CHROMIUM or "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tempfile.mkdtemp()}",
            f"--remote-debugging-port={debug_port}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen = b""
    try:
        async with aiohttp.ClientSession() as http:
            targets: list[dict[str, str]] = []
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{debug_port}/json/list") as r:
                        targets = await r.json()
                    if any(t["type"] == "page" for t in targets):
                        break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            page = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                await ws.send_json({"id": 1, "method": "Network.enable", "params": {}})
                await ws.send_json({"id": 2, "method": "Page.navigate", "params": {"url": url}})
                loop = asyncio.get_running_loop()
                end = loop.time() + seconds
                while loop.time() < end and needle not in seen:
                    try:
                        message = await asyncio.wait_for(ws.receive_json(), 1)
                    except TimeoutError:
                        continue
                    if message.get("method") == "Network.webSocketFrameReceived":
                        frame = message["params"]["response"]
                        data = frame["payloadData"]
                        seen += (
                            base64.b64decode(data) if frame.get("opcode") == 2 else data.encode()
                        )
    finally:
        browser.terminate()
        browser.wait(timeout=30)
    return seen


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")
def test_the_browser_shows_the_key_list(tmp_path: Path) -> None:
    port, debug_port = _free_port(), _free_port()
    env = dict(os.environ, KMSWORKBENCH_HOME=str(tmp_path / "home"))
    server = subprocess.Popen(
        [sys.executable, "-m", "kmsworkbench", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_port(port, server)
        seen = asyncio.run(
            _frames_until(f"http://127.0.0.1:{port}/", b"workbench-demo", debug_port, 60)
        )
        assert b"workbench-demo" in seen, seen[-500:]
        assert b"Choose a key" in seen
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_web_refuses_a_remote_address_without_allow_remote(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["web", "--host", "0.0.0.0", "--port", "8001"]) == 252
    assert "not a loopback address" in capsys.readouterr().err


def test_each_tab_runs_the_same_backend(tmp_path: Path) -> None:
    from kmsworkbench.cli import build_parser
    from kmsworkbench.commands.web import tui_command

    args = build_parser().parse_args(
        ["web", "--data-dir", str(tmp_path / "d x"), "--region", "cn-north-1", "--lessons", "L"]
    )
    command = tui_command(args)
    assert command.startswith(f"{sys.executable} -m kmsworkbench")
    assert f"--data-dir '{tmp_path / 'd x'}'" in command
    assert "--region cn-north-1" in command and "--lessons L" in command
