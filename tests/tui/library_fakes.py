"""Fixed pairs and a session that decrypts them, for the library and workbench snapshots
only (the Pilot tests use the real sandbox). The keys are derived from fixed numbers, so the
public keys, fingerprints and pictures are the same on every run."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from kmsworkbench.pairs import PairLibrary, PairRecord
from kmsworkbench.service import Backend, DecryptResult, Journal, KmsError

from .fakes import DEMO_BACKEND, FIXED_TIME, REGION, FixedSession, demo_keys

CONTEXT = {"app": "wb", "env": "dev"}
# Stand-in ciphertexts: the fixed session maps each to its pair's private key.
P256_BLOB = bytes(range(256)) * 5 + bytes(range(100))
ED25519_BLOB = bytes(range(160))
P384_BLOB = bytes(range(200))


def _p256() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0x5EED, ec.SECP256R1())


def _p384() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0xC0FFEE, ec.SECP384R1())


def _ed25519() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _public_der(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _private_der(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def demo_records() -> list[PairRecord]:
    key = demo_keys()[0]
    here = DEMO_BACKEND.label(REGION)
    return [
        PairRecord(
            name="workbench-demo-ecc-nist-p256",
            key_arn=key.arn,
            key_pair_spec="ECC_NIST_P256",
            encryption_context=dict(CONTEXT),
            public_key=_public_der(_p256()),
            private_key_ciphertext=P256_BLOB,
            backend=here,
            key_material_id="ab" * 32,
            created_at=FIXED_TIME,
        ),
        PairRecord(
            name="release-signing-ed25519",
            key_arn=key.arn,
            key_pair_spec="ECC_NIST_EDWARDS25519",
            encryption_context={"purpose": "release"},
            public_key=_public_der(_ed25519()),
            private_key_ciphertext=ED25519_BLOB,
            backend=here,
            key_material_id="cd" * 32,
            created_at=FIXED_TIME.replace(day=1, hour=8),
        ),
        PairRecord(
            name="prod-p384",
            key_arn="arn:aws:kms:eu-west-1:444455556666:key/0000abcd-1111-4222-8333-444455556666",
            key_pair_spec="ECC_NIST_P384",
            encryption_context={},
            public_key=_public_der(_p384()),
            private_key_ciphertext=P384_BLOB,
            backend="aws · profile prod · eu-west-1",
            key_material_id=None,
            created_at=FIXED_TIME.replace(month=6),
        ),
    ]


def save_demo_records(library_dir: Any) -> list[PairRecord]:
    library = PairLibrary(library_dir)
    return [library.add(r) for r in demo_records()]


class PairSession(FixedSession):
    """FixedSession plus Decrypt of the demo pairs' stand-in blobs: the stored context
    gives the private key, any other context InvalidCiphertextException, as KMS does."""

    def __init__(self, backend: Backend, journal: Journal | None = None) -> None:
        super().__init__(backend, journal)
        self._blobs = {
            P256_BLOB: (CONTEXT, _p256()),
            ED25519_BLOB: ({"purpose": "release"}, _ed25519()),
        }

    def decrypt_private_key(
        self,
        ciphertext: bytes,
        encryption_context: dict[str, str] | None = None,
        key_id: str | None = None,
        grant_tokens: list[str] | None = None,
        dry_run: bool = False,
    ) -> DecryptResult:
        params: dict[str, Any] = {"CiphertextBlob": ciphertext}
        if encryption_context:
            params["EncryptionContext"] = encryption_context
        if key_id:
            params["KeyId"] = key_id
        known = self._blobs.get(ciphertext)
        if known is None or known[0] != (encryption_context or {}):
            error = KmsError(
                "InvalidCiphertextException",
                "",
                "Decrypt",
                request_id="00000000-0000-4000-8000-000000000003",
                http_status=400,
            )
            self._record("Decrypt", params, error)
            raise error
        self._record("Decrypt", params)
        return DecryptResult(
            key_arn=demo_keys()[0].arn,
            plaintext=_private_der(known[1]),
            encryption_algorithm="SYMMETRIC_DEFAULT",
            key_material_id="ab" * 32,
        )
