"""A session with fixed data for the SVG snapshots only (a seeded sandbox has random key ids).
It implements the KmsSession methods the TUI calls, with the service layer's own types and
journal, so the screens render exactly what they render for a real session. The Pilot flow
tests use the real in-process sandbox, never this."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmsworkbench.service import (
    Backend,
    GenerateResult,
    Journal,
    JournalEntry,
    KeyInfo,
    KmsError,
    aws_cli_command,
    redact_params,
)

ACCOUNT = "111122223333"
REGION = "us-east-1"
FIXED_TIME = datetime(2026, 7, 1, 9, 30, 0, tzinfo=UTC)
DEMO_BACKEND = Backend(kind="sandbox", data_dir=Path("/home/demo/.local/share/kmsworkbench"))


def _arn(key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"


def _meta(key_id: str, **changes: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": _arn(key_id),
        "CreationDate": FIXED_TIME,
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    meta.update(changes)
    return meta


def demo_keys() -> list[KeyInfo]:
    ids = [f"{n:08x}-1111-4222-8333-{n:012x}" for n in range(1, 7)]
    return [
        KeyInfo(
            ids[0],
            _arn(ids[0]),
            ["alias/workbench-demo"],
            _meta(ids[0], Description="Demo wrapping key"),
        ),
        KeyInfo(
            ids[1],
            _arn(ids[1]),
            ["alias/payments-prod"],
            _meta(ids[1], Description="Payments signing pairs"),
        ),
        KeyInfo(
            ids[2],
            _arn(ids[2]),
            ["alias/signing-p256"],
            _meta(
                ids[2],
                Description="An asymmetric signing key",
                KeyUsage="SIGN_VERIFY",
                KeySpec="ECC_NIST_P256",
                CustomerMasterKeySpec="ECC_NIST_P256",
                SigningAlgorithms=["ECDSA_SHA_256"],
                EncryptionAlgorithms=[],
            ),
        ),
        KeyInfo(
            ids[3],
            _arn(ids[3]),
            ["alias/old-key"],
            _meta(ids[3], Description="Retired", Enabled=False, KeyState="Disabled"),
        ),
        KeyInfo(
            ids[4],
            _arn(ids[4]),
            ["alias/aws/s3"],
            _meta(ids[4], Description="Default key that protects my S3 objects", KeyManager="AWS"),
        ),
        KeyInfo(ids[5], _arn(ids[5]), [], _meta(ids[5], Description="No alias yet")),
    ]


def demo_public_key() -> bytes:
    key = ec.derive_private_key(0x5EED, ec.SECP256R1())
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class FixedSession:
    """Fixed keys, a fixed pair, fixed journal entries (time and latency)."""

    def __init__(self, backend: Backend, journal: Journal | None = None) -> None:
        self.backend = backend
        self.journal = journal if journal is not None else Journal()
        self.keys = demo_keys()

    def _record(
        self, operation: str, params: dict[str, Any], error: KmsError | None = None
    ) -> None:
        self.journal.record(
            JournalEntry(
                operation=operation,
                params=redact_params(params),
                ok=error is None,
                error_code=error.code if error else None,
                latency_ms=12.0,
                request_id="00000000-0000-4000-8000-000000000001",
                aws_cli=aws_cli_command(operation, params, self.backend, REGION),
                timestamp=FIXED_TIME,
                error_message=error.message if error else None,
            )
        )

    @property
    def client(self) -> Any:
        class _Meta:
            region_name = REGION

        class _Client:
            meta = _Meta()

        return _Client()

    def close(self) -> None:
        return None

    def caller_account(self) -> str | None:
        return ACCOUNT

    def invalidate(self, key_id: str | None = None) -> None:
        return None

    def iter_keys(
        self, aliases_later: Callable[[list[KeyInfo]], None] | None = None
    ) -> Iterator[list[KeyInfo]]:
        # The aliases come with the one page (``aliases_later`` has nothing to pass on).
        self._record("ListKeys", {})
        self._record("ListAliases", {})
        yield [KeyInfo(k.key_id, k.arn, list(k.aliases)) for k in self.keys]

    def describe_keys(
        self, keys: Iterable[str], on_result: Callable[[KeyInfo], None], max_workers: int = 8
    ) -> None:
        for key_id in keys:
            on_result(self.describe_key(key_id))

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """The detail pane's calls, with fixed answers: symmetric keys never rotated,
        automatic rotation off, the default key policy; other keys do not rotate. (Not
        journaled, so the activity snapshot keeps its fixed entries.)"""
        info = self.describe_key(params["KeyId"])
        symmetric = info.key_spec == "SYMMETRIC_DEFAULT"
        if operation in ("GetKeyRotationStatus", "ListKeyRotations") and not symmetric:
            raise KmsError(
                "UnsupportedOperationException",
                f"{info.arn} key spec is {info.key_spec} which is not valid for {operation}.",
                operation,
            )
        if operation == "GetKeyRotationStatus":
            return {"KeyRotationEnabled": False, "KeyId": info.arn}
        if operation == "ListKeyRotations":
            material = (info.metadata or {}).get("CurrentKeyMaterialId", "cd" * 32)
            return {
                "Rotations": [
                    {"KeyId": info.key_id, "KeyMaterialId": material, "KeyMaterialState": "CURRENT"}
                ],
                "Truncated": False,
            }
        if operation == "GetKeyPolicy":
            policy = {
                "Version": "2012-10-17",
                "Id": "key-default-1",
                "Statement": [
                    {
                        "Sid": "Enable IAM User Permissions",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            }
            return {"Policy": json.dumps(policy), "PolicyName": "default"}
        raise KmsError(
            "UnsupportedOperationException", f"no fixed answer for {operation}", operation
        )

    def describe_key(self, key_id: str) -> KeyInfo:
        by_ref = getattr(self, "_by_ref", None)
        if by_ref is None or len(by_ref) < len(self.keys):
            by_ref = {ref: k for k in self.keys for ref in (k.key_id, k.arn, *k.aliases)}
            self._by_ref = by_ref
        k = by_ref.get(key_id)
        if k is not None:
            return KeyInfo(k.key_id, k.arn, list(k.aliases), dict(k.metadata or {}))
        raise KmsError("NotFoundException", f"Key '{key_id}' does not exist", "DescribeKey")

    def generate_pair(
        self,
        key_id: str,
        spec: str,
        encryption_context: dict[str, str] | None = None,
        grant_tokens: list[str] | None = None,
        dry_run: bool = False,
        with_plaintext: bool = False,
    ) -> GenerateResult:
        params: dict[str, Any] = {"KeyId": key_id, "KeyPairSpec": spec}
        if encryption_context:
            params["EncryptionContext"] = encryption_context
        info = self.describe_key(key_id)
        self._record("GenerateDataKeyPairWithoutPlaintext", params)
        return GenerateResult(
            key_arn=info.arn,
            key_pair_spec=spec,
            public_key=demo_public_key(),
            private_key_ciphertext=bytes(range(256)) * 5 + bytes(range(100)),
            key_material_id="ab" * 32,
        )
