"""How much a KMS call costs through each road to the sandbox, measured in one run:

- the AWS CLI (a new ``aws`` process per call) against ``kmsworkbench serve``,
- a warm boto3 client over HTTP against the same server,
- the in-process client (``kmsworkbench.sandbox.inprocess.make_client``) on the same folder.

Operations: GenerateDataKeyPairWithoutPlaintext (ECC_NIST_P256), Decrypt of its private key
blob, ListKeys. The server runs on a free loopback port in a temporary folder and is stopped
at the end. Loops are bounded (see --cli-calls and --calls).

    .venv/bin/python benchmarks/bench_server.py [--cli-calls 5] [--calls 100]
"""

from __future__ import annotations

import argparse
import base64
import os
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import boto3
from _peers import aws_command, sandbox_env, start_server
from botocore.config import Config

SPEC = "ECC_NIST_P256"
CONTEXT = {"bench": "server"}
OPERATIONS = ("generate-data-key-pair-without-plaintext", "decrypt", "list-keys")


def per_call_ms(fn: Callable[[], object], calls: int) -> list[float]:
    fn()  # warm up (connection, caches); not counted
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli-calls", type=int, default=5, help="AWS CLI calls per operation")
    parser.add_argument("--calls", type=int, default=100, help="boto3 calls per operation")
    args = parser.parse_args()
    cli_calls = max(1, min(args.cli_calls, 50))
    calls = max(1, min(args.calls, 2000))

    from kmsworkbench.sandbox.inprocess import make_client

    with tempfile.TemporaryDirectory(prefix="kmswb-bench-") as tmp:
        folder = Path(tmp) / "sandbox"
        process, url, port = start_server(folder)
        try:
            env_values = sandbox_env(folder, port)
            http = boto3.session.Session().client(
                "kms",
                region_name=env_values["AWS_DEFAULT_REGION"],
                endpoint_url=url,
                aws_access_key_id=env_values["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env_values["AWS_SECRET_ACCESS_KEY"],
                config=Config(retries={"max_attempts": 1, "mode": "standard"}),
            )
            inproc = make_client(folder, retries={"max_attempts": 1, "mode": "standard"})
            key_id = http.create_key(Description="bench")["KeyMetadata"]["KeyId"]
            blob = http.generate_data_key_pair_without_plaintext(
                KeyId=key_id, KeyPairSpec=SPEC, EncryptionContext=CONTEXT
            )["PrivateKeyCiphertextBlob"]
            blob_file = Path(tmp) / "private.blob"
            blob_file.write_bytes(blob)  # the encrypted blob only

            cli_env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": tmp,
                "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_EC2_METADATA_DISABLED": "true",
                **env_values,
            }
            aws = aws_command()
            context_arg = ",".join(f"{k}={v}" for k, v in CONTEXT.items())
            cli_args = {
                "generate-data-key-pair-without-plaintext": [
                    "--key-id",
                    key_id,
                    "--key-pair-spec",
                    SPEC,
                    "--encryption-context",
                    context_arg,
                ],
                "decrypt": [
                    "--ciphertext-blob",
                    f"fileb://{blob_file}",
                    "--encryption-context",
                    context_arg,
                    "--query",
                    "KeyId",  # keep the plaintext off the terminal
                ],
                "list-keys": [],
            }

            def cli(operation: str) -> Callable[[], object]:
                def run() -> object:
                    return subprocess.run(
                        [aws, "kms", operation, *cli_args[operation]],
                        env=cli_env,
                        capture_output=True,
                        check=True,
                        timeout=120,
                    )

                return run

            def sdk(client: object, operation: str) -> Callable[[], object]:
                if operation == "decrypt":
                    return lambda: client.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)  # type: ignore[attr-defined]
                if operation == "list-keys":
                    return lambda: client.list_keys()  # type: ignore[attr-defined]
                return lambda: client.generate_data_key_pair_without_plaintext(  # type: ignore[attr-defined]
                    KeyId=key_id, KeyPairSpec=SPEC, EncryptionContext=CONTEXT
                )

            print(f"kmsworkbench serve at {url}; {SPEC}; median ms per call")
            print(f"AWS CLI: {cli_calls} calls/op; boto3 HTTP and in-process: {calls} calls/op")
            print()
            header = f"{'operation':<42} {'aws cli':>9} {'boto3 http':>11} {'in-process':>11}"
            print(header)
            print("-" * len(header))
            totals = {"cli": 0.0, "http": 0.0, "inproc": 0.0}
            for operation in OPERATIONS:
                cli_ms = statistics.median(per_call_ms(cli(operation), cli_calls))
                http_ms = statistics.median(per_call_ms(sdk(http, operation), calls))
                inproc_ms = statistics.median(per_call_ms(sdk(inproc, operation), calls))
                totals["cli"] += cli_ms
                totals["http"] += http_ms
                totals["inproc"] += inproc_ms
                print(f"{operation:<42} {cli_ms:>9.2f} {http_ms:>11.2f} {inproc_ms:>11.2f}")
            print()
            cli_ms, http_ms, inproc_ms = totals["cli"], totals["http"], totals["inproc"]
            print(f"in-process is {cli_ms / inproc_ms:.0f}x faster than the AWS CLI per call")
            print(f"boto3 over HTTP is {cli_ms / http_ms:.0f}x faster than the AWS CLI per call")
            print(
                f"in-process is {http_ms / inproc_ms:.1f}x faster than boto3 over HTTP "
                f"(HTTP + SigV4 check cost {(http_ms - inproc_ms) / len(OPERATIONS):.2f} ms "
                "per call)"
            )
            assert base64.b64encode(blob)
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
