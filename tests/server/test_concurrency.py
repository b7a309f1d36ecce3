"""Many boto3 clients at once against one served sandbox: no errors, and a consistent store
afterwards (every created key listed, every generated pair decryptable, also after a
restart)."""

from __future__ import annotations

import base64
import random
import threading
from pathlib import Path

import boto3
from botocore.config import Config

from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.server import ServerHandle, start_background

THREADS = 8
REQUESTS_PER_THREAD = 25
SPECS = ("ECC_NIST_P256", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519")


def client_for(handle: ServerHandle):
    sandbox = handle.sandbox
    return boto3.session.Session().client(
        "kms",
        region_name=sandbox.region,
        endpoint_url=handle.endpoint_url,
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def list_all_keys(client) -> set[str]:
    keys: set[str] = set()
    for page in client.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 50}):
        keys.update(k["KeyId"] for k in page["Keys"])
    return keys


def test_concurrent_clients(tmp_path: Path) -> None:
    data_dir = tmp_path / "busy"
    handle = start_background(data_dir, "127.0.0.1", 0, "us-east-1")
    errors: list[BaseException] = []
    created: list[str] = []
    pairs: list[tuple[str, bytes, dict[str, str]]] = []
    lock = threading.Lock()
    try:
        seed_client = client_for(handle)
        base_key = seed_client.create_key(Description="shared")["KeyMetadata"]["KeyId"]
        before = list_all_keys(seed_client)
        start = threading.Barrier(THREADS)

        def worker(index: int) -> None:
            rng = random.Random(index)
            client = client_for(handle)
            own: list[tuple[str, bytes, dict[str, str]]] = []
            try:
                start.wait()
                for n in range(REQUESTS_PER_THREAD):
                    choice = n % 5
                    if choice == 0:
                        key_id = client.create_key(Description=f"t{index}-{n}")["KeyMetadata"][
                            "KeyId"
                        ]
                        with lock:
                            created.append(key_id)
                    elif choice in (1, 2) or not own:
                        context = {"thread": str(index), "n": str(n)}
                        spec = rng.choice(SPECS)
                        reply = client.generate_data_key_pair_without_plaintext(
                            KeyId=base_key, KeyPairSpec=spec, EncryptionContext=context
                        )
                        assert reply["KeyPairSpec"] == spec
                        own.append((spec, reply["PrivateKeyCiphertextBlob"], context))
                    else:
                        spec, blob, context = rng.choice(own)
                        reply = client.decrypt(CiphertextBlob=blob, EncryptionContext=context)
                        assert len(reply["Plaintext"]) > 0
                with lock:
                    pairs.extend(own)
            except BaseException as exc:  # collected and asserted on in the main thread
                with lock:
                    errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        assert len(created) == THREADS * REQUESTS_PER_THREAD // 5
        assert len(set(created)) == len(created)
        after = list_all_keys(seed_client)
        assert after == before | set(created)
        for _spec, blob, context in pairs[:: max(1, len(pairs) // 20)]:
            seed_client.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    finally:
        handle.stop()

    # The store holds up across a restart: same keys, blobs still decrypt.
    reopened = start_background(data_dir, "127.0.0.1", 0, "us-east-1")
    try:
        client = client_for(reopened)
        assert set(created) <= list_all_keys(client)
        spec, blob, context = pairs[-1]
        plaintext = client.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"]
        assert plaintext and base64.b64encode(plaintext)
    finally:
        reopened.stop()
    assert isinstance(reopened.sandbox, Sandbox)
