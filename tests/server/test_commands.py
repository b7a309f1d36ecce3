"""``kmsworkbench serve`` (as a real subprocess, stopped with SIGTERM and with SIGINT) and
``kmsworkbench sandbox env`` / ``sandbox info``."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kmsworkbench import cli
from kmsworkbench.commands import sandbox as sandbox_command
from kmsworkbench.commands import serve as serve_command
from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.server import DEFAULT_PORT, start_background

from .conftest import aws_executable


def kmsworkbench_command() -> list[str]:
    script = Path(sys.executable).parent / "kmsworkbench"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kmsworkbench"]


def parse_exports(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line)
        if words and words[0] == "export":
            name, _, value = words[1].partition("=")
            values[name] = value
    return values


def test_default_ports_agree() -> None:
    assert serve_command.DEFAULT_PORT == DEFAULT_PORT == sandbox_command.DEFAULT_PORT == 4599


def test_sandbox_env_prints_the_sandbox_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "sb"
    assert cli.main(["sandbox", "env", "--data-dir", str(folder), "--port", "4611"]) == 0
    out = capsys.readouterr().out
    values = parse_exports(out)
    with Sandbox.open(folder) as sandbox:
        assert values == {
            "AWS_ACCESS_KEY_ID": sandbox.access_key_id,
            "AWS_SECRET_ACCESS_KEY": sandbox.secret_access_key,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_KMS": "http://127.0.0.1:4611",
        }
    assert "unset AWS_SESSION_TOKEN" in out


def test_sandbox_env_global_options_before_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cn"
    code = cli.main(["--data-dir", str(folder), "--region", "cn-north-1", "sandbox", "env"])
    assert code == 0
    values = parse_exports(capsys.readouterr().out)
    assert values["AWS_REGION"] == "cn-north-1"
    assert values["AWS_ENDPOINT_URL_KMS"] == f"http://127.0.0.1:{DEFAULT_PORT}"


def test_sandbox_env_uses_kmsworkbench_home(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sandbox", "env", "--host", "::1", "--port", "4612"]) == 0
    values = parse_exports(capsys.readouterr().out)
    assert values["AWS_ENDPOINT_URL_KMS"] == "http://[::1]:4612"
    with Sandbox.open(isolated_home) as sandbox:
        assert values["AWS_ACCESS_KEY_ID"] == sandbox.access_key_id


def test_sandbox_env_survives_eval_in_a_shell(tmp_path: Path) -> None:
    folder = tmp_path / "evaluated"
    command = " ".join(
        shlex.quote(w)
        for w in [*kmsworkbench_command(), "sandbox", "env", "--data-dir", str(folder)]
    )
    script = (
        f'export AWS_SESSION_TOKEN=stale; eval "$({command})"; '
        'printf "%s|%s|%s|%s" "$AWS_SECRET_ACCESS_KEY" "$AWS_DEFAULT_REGION" '
        '"$AWS_ENDPOINT_URL_KMS" "${AWS_SESSION_TOKEN-unset}"'
    )
    result = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    with Sandbox.open(folder) as sandbox:
        assert result.stdout == (
            f"{sandbox.secret_access_key}|us-east-1|http://127.0.0.1:{DEFAULT_PORT}|unset"
        )


def test_sandbox_env_follows_a_running_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kmsworkbench.sandbox.serve_state import ServeState, remove_state, write_state

    folder = tmp_path / "running"
    Sandbox.open(folder).close()
    bundle = str(folder / "tls" / "ca.pem")
    live = ServeState(os.getpid(), "https://127.0.0.1:4700", "127.0.0.1", 4700, bundle)
    write_state(folder, live)
    assert oct((folder / "serve.json").stat().st_mode & 0o777) == "0o600"
    assert cli.main(["sandbox", "env", "--data-dir", str(folder)]) == 0
    values = parse_exports(capsys.readouterr().out)
    assert values["AWS_ENDPOINT_URL_KMS"] == "https://127.0.0.1:4700"
    assert values["AWS_CA_BUNDLE"] == bundle
    assert cli.main(["sandbox", "env", "--data-dir", str(folder), "--port", "4701"]) == 0
    assert parse_exports(capsys.readouterr().out)["AWS_ENDPOINT_URL_KMS"] == (
        "https://127.0.0.1:4701"
    )
    remove_state(folder)
    assert not (folder / "serve.json").exists()

    # A file left by a server that died is ignored.
    gone = subprocess.Popen(["true"])
    gone.wait()
    write_state(folder, ServeState(gone.pid, "https://127.0.0.1:4702", "127.0.0.1", 4702, bundle))
    assert cli.main(["sandbox", "env", "--data-dir", str(folder)]) == 0
    values = parse_exports(capsys.readouterr().out)
    assert values["AWS_ENDPOINT_URL_KMS"] == f"http://127.0.0.1:{DEFAULT_PORT}"
    assert "AWS_CA_BUNDLE" not in values
    # --tls before the server has ever made its CA says what to do.
    assert cli.main(["sandbox", "env", "--data-dir", str(folder), "--tls"]) == cli.EXIT_OTHER
    assert "serve --tls" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--latency-ms", "-1"], ["--latency-ms", "60001"]])
def test_serve_refuses_a_bad_latency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: list[str]
) -> None:
    code = cli.main(["serve", "--port", "0", "--data-dir", str(tmp_path), *bad])
    assert code == cli.EXIT_USAGE
    assert "--latency-ms must be 0..60000" in capsys.readouterr().err


def test_sandbox_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "info"
    assert cli.main(["sandbox", "info", "--data-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    with Sandbox.open(folder) as sandbox:
        assert sandbox.account_id in out
        assert sandbox.access_key_id in out
        assert sandbox.secret_access_key not in out


def test_serve_refuses_a_non_loopback_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path)])
    assert code == cli.EXIT_USAGE
    assert "--allow-remote" in capsys.readouterr().err


def test_serve_reports_a_busy_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with start_background(tmp_path / "first", "127.0.0.1", 0) as busy:
        code = cli.main(["serve", "--port", str(busy.port), "--data-dir", str(tmp_path / "b")])
    assert code == cli.EXIT_OTHER
    assert "already in use" in capsys.readouterr().err


def start_serve(folder: Path, *extra: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [*kmsworkbench_command(), "serve", "--port", "0", "--data-dir", str(folder), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    banner: list[str] = []
    for line in process.stdout:
        banner.append(line)
        if line.startswith("Press Ctrl+C"):
            break
    text = "".join(banner)
    match = re.search(r"listening on (https?://127\.0\.0\.1:\d+)", text)
    assert match, (text, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(1), banner


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_subprocess_with_the_aws_cli(tmp_path: Path, stop_signal: signal.Signals) -> None:
    folder = tmp_path / "served"
    process, url, banner = start_serve(folder)
    try:
        port = url.rsplit(":", 1)[1]
        text = "".join(banner)
        assert f'eval "$(kmsworkbench sandbox env --data-dir {folder} --port {port})"' in text
        assert "aws kms list-keys" in text
        env_command = " ".join(
            shlex.quote(w)
            for w in [*kmsworkbench_command(), "sandbox", "env", "--data-dir", str(folder)]
        )
        aws = shlex.quote(str(aws_executable()))
        script = (
            f'eval "$({env_command} --port {port})" && '
            f"{aws} kms create-key --description from-the-shell --query KeyMetadata.KeyId "
            f"--output text && {aws} kms list-keys --output text"
        )
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
            "KMSWORKBENCH_HOME": str(tmp_path / "home"),
        }
        result = subprocess.run(
            ["sh", "-c", script], capture_output=True, text=True, timeout=120, env=env, check=False
        )
        assert result.returncode == 0, result.stderr
        key_id = result.stdout.splitlines()[0].strip()
        assert re.fullmatch(r"[0-9a-f-]{36}", key_id)
        assert key_id in result.stdout.split("\n", 1)[1]
    finally:
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped" in out
    assert re.search(r"127\.0\.0\.1 CreateKey 200 [\d.]+ms", err), err
    assert re.search(r"127\.0\.0\.1 ListKeys 200 [\d.]+ms", err), err
    assert "Traceback" not in err
    with Sandbox.open(folder) as sandbox:
        assert (
            sandbox.handle("TrentService.DescribeKey", f'{{"KeyId":"{key_id}"}}'.encode())[0] == 200
        )


@pytest.mark.slow
def test_serve_allow_remote_warns(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            *kmsworkbench_command(),
            "serve",
            "--host",
            "0.0.0.0",
            "--allow-remote",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path / "remote"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Press Ctrl+C"):
            break
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "WARNING: listening on 0.0.0.0" in err


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")
def test_serve_stops_gracefully_when_its_terminal_hangs_up(tmp_path: Path) -> None:
    folder = tmp_path / "served"
    process, _, _ = start_serve(folder)
    assert (folder / "serve.json").exists()
    process.send_signal(signal.SIGHUP)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopping (SIGHUP)" in err
    assert "stopped" in out
    assert not (folder / "serve.json").exists()  # `sandbox env` no longer points at it


def _ignore_sighup() -> None:  # in the child before exec, as nohup does
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")
def test_serve_under_nohup_outlives_its_terminal(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*kmsworkbench_command(), "serve", "--port", "0", "--data-dir", str(tmp_path / "d")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        preexec_fn=_ignore_sighup,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Press Ctrl+C"):
                break
        process.send_signal(signal.SIGHUP)
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=1.5)  # still serving
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopping (SIGTERM)" in err


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    if not path.exists():
        pytest.skip("no /proc children list here")
    return [int(word) for word in path.read_text().split()]


def _ended(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)  # another process's end: nothing to wait on but its pid
    return False


def _list_keys(folder: Path, url: str) -> int:
    from .helpers import make_request, send

    with Sandbox.open(folder) as sandbox:
        access_key, secret_key = sandbox.access_key_id, sandbox.secret_access_key
    request = make_request(
        url,
        "TrentService.ListKeys",
        access_key=access_key,
        secret_key=secret_key,
        region="us-east-1",
    )
    return send(request).status


@pytest.mark.skipif(os.name != "posix", reason="serve --processes needs POSIX")
def test_serve_processes_share_the_port_and_stop_together(tmp_path: Path) -> None:
    folder = tmp_path / "served"
    process, url, banner = start_serve(folder, "--processes", "2")
    stopped = False
    try:
        assert "2 processes serve this port and folder" in "".join(banner)
        (helper,) = _children(process.pid)
        process.send_signal(signal.SIGSTOP)  # the parent cannot answer: the helper must
        stopped = True
        assert _list_keys(folder, url) == 200
        process.send_signal(signal.SIGCONT)
        stopped = False
        assert _list_keys(folder, url) == 200
    finally:
        if stopped:
            process.send_signal(signal.SIGCONT)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert err.count("stopping (SIGTERM)") == 2  # the parent and its helper
    assert "Traceback" not in err and "Fatal" not in err
    assert _ended(helper, within=5.0)
    assert not (folder / "serve.json").exists()


@pytest.mark.skipif(os.name != "posix", reason="serve --processes needs POSIX")
def test_serve_helpers_stop_when_their_parent_is_killed(tmp_path: Path) -> None:
    process, _, _ = start_serve(tmp_path / "served", "--processes", "3")
    try:
        helpers = _children(process.pid)
        assert len(helpers) == 2
    finally:
        process.kill()
        process.communicate(timeout=60)
    assert all(_ended(pid, within=20.0) for pid in helpers)


def test_serve_refuses_a_process_count_out_of_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["serve", "--port", "0", "--processes", "0", "--data-dir", str(tmp_path)])
    assert code == cli.EXIT_USAGE
    assert "--processes must be 1..64, not 0" in capsys.readouterr().err
