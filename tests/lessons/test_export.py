"""Every lesson exported as a shell script runs end to end: the real AWS CLI and OpenSSL
against a freshly served sandbox, each "break it" failing with the error the lesson names."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kmsworkbench.lessons import builtin_lessons, export_script

from ..aws_preloaded import aws_command

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data = tmp_path_factory.mktemp("served-lessons")
    port = _free_port()
    env = {
        # The real AWS CLI, each command its own process, without paying its import again
        # (about 200 commands: see tests/aws_preloaded.py).
        "PATH": f"{aws_command().parent}:{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(data),
        "LANG": "C.UTF-8",
        "KMSWORKBENCH_HOME": str(data / "home"),
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    kmswb = (
        [str(BIN / "kmsworkbench")]
        if (BIN / "kmsworkbench").exists()
        else [sys.executable, "-m", "kmsworkbench"]
    )
    # No --data-dir: serve and the script's `sandbox clock` share KMSWORKBENCH_HOME's folder.
    folder: list[str] = []
    server = subprocess.Popen(
        [*kmswb, "serve", *folder, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"serve exited: {server.stderr.read() if server.stderr else ''}")
            time.sleep(0.1)
    exported = subprocess.run(
        [*kmswb, "sandbox", "env", *folder, "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in exported.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export ") :].partition("=")
            env[name] = value.strip("'\"")
    env["AWS_MAX_ATTEMPTS"] = "1"
    try:
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", builtin_lessons(), ids=lambda lesson: lesson.id)
def test_the_exported_script_runs(lesson, served: dict[str, str], tmp_path: Path) -> None:
    assert shutil.which("openssl"), "the OpenSSL command-line tool is needed"
    script = tmp_path / f"{lesson.id}.sh"
    script.write_text(export_script(lesson))
    done = subprocess.run(
        ["bash", str(script)], env=served, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"Lesson done: {lesson.title}" in done.stdout
    breaks = sum(len(step.variants) for step in lesson.steps)
    assert done.stdout.count("failed as expected") == sum(
        1 for step in lesson.steps for v in step.variants if v.expect_error
    ), done.stdout
    assert done.stdout.count("-- break it:") == breaks


def test_a_script_without_the_servers_environment_says_what_to_do(tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text(export_script(builtin_lessons()[0]))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "kmsworkbench sandbox env" in done.stderr


@pytest.mark.parametrize("count", [1, 2])
def test_grant_tokens_that_begin_with_a_dash_reach_the_server(
    count: int, served: dict[str, str], tmp_path: Path
) -> None:
    """A grant token is base64url, so it may begin with ``-``: the exported script's
    ``--grant-tokens`` must not let the AWS CLI read it as an option (a CI run failed so)."""
    from kmsworkbench.lessons.actions.kms import _grant_tokens_words
    from kmsworkbench.lessons.shell import Shell

    sh = Shell()
    saved = {f"T{i}": f"-Qc2AY7zB80TQUdrHPFk1p07C{i}" for i in range(count)}
    words = _grant_tokens_words(sh, [f"${name}" for name in saved])
    (tmp_path / "blob").write_bytes(b"\x01" * 64)
    command = f"aws kms decrypt --ciphertext-blob fileb://{tmp_path / 'blob'} " + " ".join(words)
    done = subprocess.run(
        ["bash", "-c", command],
        env={**served, **saved},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Unknown options" not in done.stderr, done.stderr
    assert "expected one argument" not in done.stderr, done.stderr
    # The server answered: the tokens are not valid, or the blob is not a ciphertext.
    assert "An error occurred (" in done.stderr, done.stderr
