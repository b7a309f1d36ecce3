"""``serve --tls``: the local CA and server certificate (made, reused, made again only when
needed, checked by OpenSSL), and the real AWS CLI and boto3 over HTTPS (``--ca-bundle``,
``AWS_CA_BUNDLE``, ``--no-verify-ssl``, ``verify=path``), also through ``sandbox env``."""

from __future__ import annotations

import datetime
import os
import shlex
import signal
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import SSLError
from cryptography import x509

from kmsworkbench.sandbox.server import ServerHandle, ServerLimits, start_background
from kmsworkbench.sandbox.tls import ensure_certificates

from .conftest import AwsCli, aws_env, aws_executable
from .test_commands import kmsworkbench_command, start_serve


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_certificates_are_made_private_and_reused(tmp_path: Path) -> None:
    said: list[str] = []
    files = ensure_certificates(tmp_path, "127.0.0.1", say=said.append)
    folder = files.ca_bundle.parent
    assert mode(folder) == 0o700
    for path in folder.iterdir():
        assert mode(path) == 0o600, path
    assert len(said) == 2 and "certificate authority" in said[0]
    cert = x509.load_pem_x509_certificate(files.certfile.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(v) for v in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    # OpenSSL, the outside oracle, accepts the chain for a TLS server.
    check = subprocess.run(
        ["openssl", "verify", "-CAfile", str(files.ca_bundle), "-purpose", "sslserver"]
        + [str(files.certfile)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert check.returncode == 0 and ": OK" in check.stdout, check.stdout + check.stderr

    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    said.clear()
    again = ensure_certificates(tmp_path, "localhost", say=said.append)
    assert again == files and said == []
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_certificates_are_made_again_only_when_needed(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path, None)
    ca_before = files.ca_bundle.read_bytes()
    server_before = files.certfile.read_bytes()

    said: list[str] = []
    ensure_certificates(tmp_path, "kms.sandbox.test", say=said.append)  # a new --host
    assert files.ca_bundle.read_bytes() == ca_before
    assert files.certfile.read_bytes() != server_before
    assert said == [
        "TLS: made the server certificate again (it does not name kms.sandbox.test), for "
        "127.0.0.1, ::1, localhost, kms.sandbox.test"
    ]

    said.clear()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=400)
    ensure_certificates(tmp_path, None, say=said.append, now=later)  # server cert expired
    assert files.ca_bundle.read_bytes() == ca_before
    assert len(said) == 1 and "server certificate again (it expired on" in said[0]

    said.clear()
    files.ca_bundle.write_text("damaged")
    ensure_certificates(tmp_path, None, say=said.append)
    assert files.ca_bundle.read_bytes() != ca_before
    assert "clients must trust the new file" in said[0]
    assert "not signed by the current local CA" in said[1]


@pytest.fixture
def tls_served(tmp_path: Path) -> Iterator[ServerHandle]:
    folder = tmp_path / "tls-sandbox"
    files = ensure_certificates(folder, "127.0.0.1")
    handle = start_background(folder, "127.0.0.1", 0, tls=files)
    try:
        yield handle
    finally:
        handle.stop()


def boto3_client(handle: ServerHandle, verify: object):
    sandbox = handle.sandbox
    return boto3.session.Session().client(
        "kms",
        region_name=sandbox.region,
        endpoint_url=handle.endpoint_url,
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        verify=verify,
    )


def test_boto3_over_https(tls_served: ServerHandle) -> None:
    assert tls_served.endpoint_url.startswith("https://127.0.0.1:")
    ca = tls_served.sandbox.data_dir / "tls" / "ca.pem"
    client = boto3_client(tls_served, str(ca))
    key_id = client.create_key(Description="over tls")["KeyMetadata"]["KeyId"]
    assert key_id in [k["KeyId"] for k in client.list_keys()["Keys"]]
    client.close()
    with pytest.raises(SSLError):
        boto3_client(tls_served, True).list_keys()  # the public CAs do not know ours


def test_stop_does_not_wait_for_an_idle_tls_client(tmp_path: Path) -> None:
    """An idle keep-alive client never answers the server's TLS close_notify; the stop used to
    wait the whole graceful timeout for it (10 s by default, here 60 s)."""
    folder = tmp_path / "tls-sandbox"
    files = ensure_certificates(folder, "127.0.0.1")
    handle = start_background(
        folder, "127.0.0.1", 0, tls=files, limits=ServerLimits(graceful_timeout=60.0)
    )
    client = boto3_client(handle, str(folder / "tls" / "ca.pem"))
    try:
        assert client.list_keys(Limit=1)["Keys"]  # its connection stays open, idle
        handle.stop(timeout=20.0)
        assert not handle._thread.is_alive(), "the stop waited for the idle TLS connection"
    finally:
        client.close()
        handle.stop()


@pytest.mark.slow
def test_aws_cli_over_https(tls_served: ServerHandle, tmp_path: Path) -> None:
    ca = str(tls_served.sandbox.data_dir / "tls" / "ca.pem")
    aws = AwsCli(aws_executable(), tls_served, tmp_path)
    assert "Keys" in aws.json("--ca-bundle", ca, "kms", "list-keys")
    with_env = aws.run("kms", "list-keys", env=aws_env(tls_served, tmp_path, AWS_CA_BUNDLE=ca))
    assert with_env.returncode == 0, with_env.stderr
    unverified = aws.run("--no-verify-ssl", "kms", "list-keys")
    assert unverified.returncode == 0, unverified.stderr
    assert "Unverified HTTPS request" in unverified.stderr
    refused = aws.run("kms", "list-keys")
    assert refused.returncode != 0
    assert "SSL validation failed" in refused.stderr or "CERTIFICATE_VERIFY_FAILED" in (
        refused.stderr
    )


@pytest.mark.slow
def test_serve_tls_and_sandbox_env_with_the_aws_cli(tmp_path: Path) -> None:
    folder = tmp_path / "served-tls"
    process, _, banner = start_serve(folder, "--tls")
    try:
        text = "".join(banner)
        assert "listening on https://127.0.0.1:" in text
        assert f"trust {folder / 'tls' / 'ca.pem'}" in text
        command = " ".join(
            shlex.quote(w)
            for w in [*kmsworkbench_command(), "sandbox", "env", "--data-dir", str(folder)]
        )
        aws = shlex.quote(str(aws_executable()))
        script = (
            f'eval "$({command})" && printf "%s\\n" "$AWS_ENDPOINT_URL_KMS" "$AWS_CA_BUNDLE" '
            f"&& {aws} kms list-keys --query 'length(Keys)'"
        )
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        result = subprocess.run(
            ["sh", "-c", script], capture_output=True, text=True, timeout=120, env=env, check=False
        )
        assert result.returncode == 0, result.stderr
        url, bundle, count = result.stdout.split()
        assert url.startswith("https://127.0.0.1:") and url in text
        assert bundle == str(folder / "tls" / "ca.pem")
        assert int(count) >= 1
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert not (folder / "serve.json").exists()  # removed when the server stops
