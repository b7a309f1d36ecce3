"""Sign and verify in the pair workbench with MessageType RAW or DIGEST, and SM2's
distinguishing ID: on the real in-process sandbox (KMS Decrypt of the private key), with
keypairs.verify and hashlib as the outside checks."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from kmsworkbench import config, keypairs
from kmsworkbench.keypairs import sm2
from kmsworkbench.pairs import PairLibrary, PairRecord
from kmsworkbench.service import Backend, KmsSession
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.workbench import PairWorkbenchScreen
from kmsworkbench.tui.widgets.workbench.message_options import (
    digest_size,
    parse_digest,
    parse_sm2_id,
)
from kmsworkbench.tui.widgets.workbench.sign import SignForm

from .conftest import settle
from .test_library import click, decrypt_key, open_workbench, text_of

MESSAGE = "Hello from kmsworkbench"


def make_pair(backend: Backend, spec: str, name: str) -> PairRecord:
    with KmsSession(backend) as session:
        result = session.generate_pair("alias/workbench-demo", spec)
        label = backend.label(session.region)
    return PairLibrary(backend.resolved_data_dir).add(
        PairRecord(
            name=name,
            key_arn=result.key_arn,
            key_pair_spec=spec,
            encryption_context={},
            public_key=result.public_key,
            private_key_ciphertext=result.private_key_ciphertext,
            backend=label,
            key_material_id=result.key_material_id,
        )
    )


def app_on(backend: Backend) -> WorkbenchApp:
    return WorkbenchApp(backend, settings=config.Settings(), persist_settings=False)


def set_type(screen: PairWorkbenchScreen, section: str, value: str) -> None:
    screen.query_one(f"#wb-{section}-type", Select).value = value


def signature_of(screen: PairWorkbenchScreen) -> bytes:
    assert screen.query_one(SignForm).signature is not None
    return base64.b64decode(screen.query_one(SignForm).signature)


# -- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "size"),
    [
        ("ECDSA_SHA_256", 32),
        ("ECDSA_SHA_384", 48),
        ("ECDSA_SHA_512", 64),
        ("RSASSA_PSS_SHA_256", 32),
        ("RSASSA_PKCS1_V1_5_SHA_512", 64),
        ("SM2DSA", 32),
        ("ED25519_SHA_512", None),
    ],
)
def test_digest_sizes(algorithm: str, size: int | None) -> None:
    assert digest_size(algorithm) == size


def test_parse_digest_hex_and_base64() -> None:
    digest = hashlib.sha384(b"x").digest()
    assert parse_digest(digest.hex(), "ECDSA_SHA_384") == digest
    assert parse_digest("0x" + digest.hex().upper(), "ECDSA_SHA_384") == digest
    assert parse_digest(base64.b64encode(digest).decode(), "ECDSA_SHA_384") == digest
    spaced = " ".join(digest.hex()[i : i + 8] for i in range(0, 96, 8))
    assert parse_digest(spaced, "ECDSA_SHA_384") == digest


@pytest.mark.parametrize(
    ("text", "algorithm", "words"),
    [
        (hashlib.sha256(b"x").hexdigest(), "ECDSA_SHA_384", "needs a 48-byte digest"),
        (hashlib.sha512(b"x").hexdigest(), "SM2DSA", "this is 64 bytes"),
        ("", "ECDSA_SHA_256", "64 hex digits or 44 base64"),
        ("not a digest!", "ECDSA_SHA_256", "neither hex nor base64"),
        ("00" * 64, "ED25519_SHA_512", "choose RAW"),
    ],
)
def test_parse_digest_problems(text: str, algorithm: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_digest(text, algorithm)


def test_parse_sm2_id() -> None:
    assert parse_sm2_id("alice@example.com") == b"alice@example.com"
    with pytest.raises(ValueError, match="1234567812345678"):
        parse_sm2_id("")
    with pytest.raises(ValueError, match="at most 8191 bytes"):
        parse_sm2_id("x" * 8192)


# -- the workbench -------------------------------------------------------------------------


async def test_sign_a_digest_verify_the_raw_message(sandbox_dir: Path) -> None:
    backend = Backend(kind="sandbox", data_dir=sandbox_dir)
    record = make_pair(backend, "ECC_NIST_P384", "p384")
    app = app_on(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_workbench(app, pilot, "p384")
        await decrypt_key(app, pilot, screen)
        assert screen.holder.held
        set_type(screen, "sign", "DIGEST")
        await pilot.pause()
        message = screen.query_one("#wb-sign-message", Input)
        assert message.placeholder == "digest, hex or base64"
        # A digest of the wrong length for ECDSA_SHA_384 is refused with the reason.
        message.value = hashlib.sha256(MESSAGE.encode()).hexdigest()
        screen.action_sign()
        result = text_of(app, "#wb-sign-result")
        assert "needs a 48-byte digest" in result and "this is 32 bytes" in result
        assert screen.query_one(SignForm).signature is None
        message.value = hashlib.sha384(MESSAGE.encode()).hexdigest()
        screen.action_sign()
        assert "ECDSA_SHA_384, DIGEST" in text_of(app, "#wb-sign-result")
        signature = signature_of(screen)
        # The signature of the digest is the signature of the RAW message.
        assert keypairs.verify(record.public_key, "ECDSA_SHA_384", MESSAGE.encode(), signature)
        screen.query_one("#wb-verify-message", Input).value = MESSAGE
        screen.query_one("#wb-verify-signature", Input).value = screen.query_one(SignForm).signature
        screen.query_one("#wb-verify-alg", Select).value = "ECDSA_SHA_384"
        screen.action_verify()
        assert "✓ VALID (ECDSA_SHA_384)" in text_of(app, "#wb-verify-result")
        # "Verify this signature" carries the message type over: DIGEST again, valid.
        await click(app, pilot, "#wb-sign-verify")
        assert screen.query_one("#wb-verify-type", Select).value == "DIGEST"
        assert "✓ VALID (ECDSA_SHA_384)" in text_of(app, "#wb-verify-result")


async def test_every_algorithm_with_a_digest_skips_other_lengths(sandbox_dir: Path) -> None:
    backend = Backend(kind="sandbox", data_dir=sandbox_dir)
    make_pair(backend, "RSA_2048", "rsa")
    app = app_on(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_workbench(app, pilot, "rsa")
        await decrypt_key(app, pilot, screen)
        set_type(screen, "sign", "DIGEST")
        screen.query_one("#wb-sign-alg", Select).value = "RSASSA_PSS_SHA_256"
        screen.query_one("#wb-sign-message", Input).value = base64.b64encode(
            hashlib.sha256(MESSAGE.encode()).digest()
        ).decode()
        screen.action_sign()
        assert screen.query_one(SignForm).signature is not None
        await click(app, pilot, "#wb-sign-verify")
        screen.query_one("#wb-verify-alg", Select).value = "*"
        screen.action_verify()
        verdict = text_of(app, "#wb-verify-result")
        assert "✓ valid   RSASSA_PSS_SHA_256" in verdict
        assert "✗ invalid RSASSA_PKCS1_V1_5_SHA_256" in verdict
        assert "– skipped  RSASSA_PSS_SHA_384: RSASSA_PSS_SHA_384 needs a 48-byte" in verdict
        assert "Valid with RSASSA_PSS_SHA_256." in verdict


async def test_sm2_distinguishing_id(sandbox_dir: Path) -> None:
    backend = Backend(kind="sandbox", data_dir=sandbox_dir, region="cn-north-1")
    record = make_pair(backend, "SM2", "sm2-pair")
    app = app_on(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_workbench(app, pilot, "sm2-pair")
        sign_id = screen.query_one("#wb-sign-sm2-id", Input)
        assert sign_id.value == "1234567812345678"
        await decrypt_key(app, pilot, screen)
        sign_id.value = "alice@example.com"
        screen.action_sign()
        signature = signature_of(screen)
        message = MESSAGE.encode()
        assert keypairs.verify(
            record.public_key, "SM2DSA", message, signature, sm2_id=b"alice@example.com"
        )
        assert not keypairs.verify(record.public_key, "SM2DSA", message, signature)
        # Verified with the default ID: invalid; with the signer's ID: valid.
        screen.query_one("#wb-verify-signature", Input).value = screen.query_one(SignForm).signature
        screen.action_verify()
        assert "✗ INVALID (SM2DSA)" in text_of(app, "#wb-verify-result")
        screen.query_one("#wb-verify-sm2-id", Input).value = "alice@example.com"
        screen.action_verify()
        assert "✓ VALID (SM2DSA)" in text_of(app, "#wb-verify-result")
        # DIGEST: e = SM3(Z_A || M) already holds the ID, so the ID field is off.
        set_type(screen, "verify", "DIGEST")
        await pilot.pause()
        assert screen.query_one("#wb-verify-sm2-id", Input).disabled
        point = keypairs.load_public_key(record.public_key)._key.point  # type: ignore[attr-defined]
        e = sm2.message_digest(point, message, b"alice@example.com")
        screen.query_one("#wb-verify-message", Input).value = e.hex()
        screen.action_verify()
        assert "✓ VALID (SM2DSA)" in text_of(app, "#wb-verify-result")
        # An empty ID is refused with the default named.
        set_type(screen, "sign", "RAW")
        sign_id.value = ""
        screen.action_sign()
        assert "1234567812345678" in text_of(app, "#wb-sign-result")


async def test_ed25519_takes_only_raw(sandbox_dir: Path) -> None:
    backend = Backend(kind="sandbox", data_dir=sandbox_dir)
    make_pair(backend, "ECC_NIST_EDWARDS25519", "ed")
    app = app_on(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_workbench(app, pilot, "ed")
        await decrypt_key(app, pilot, screen)
        set_type(screen, "sign", "DIGEST")
        await pilot.pause()
        screen.query_one("#wb-sign-message", Input).value = "00" * 64
        screen.action_sign()
        assert "choose RAW message" in text_of(app, "#wb-sign-result")
