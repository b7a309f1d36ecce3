"""The Decrypt options of the commands that need the private key (--encryption-context,
--key-id, --grant-tokens), the SM2 distinguishing ID of sign/verify, and verify saying that
the public key verified locally, all through the CLI entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kmsworkbench.keypairs import sm2


def _needs_private_key(
    cli: Callable[..., Any], pair: Callable[..., Any], command: str
) -> list[str]:
    """argv of one command that decrypts the pair's private key."""
    if command == "sign":
        pair("p")
        return ["sign", "--pair", "p", "--message", "m"]
    if command == "decrypt":
        pair("p", spec="RSA_2048")
        blob = cli("encrypt", "--pair", "p", "--plaintext", "m").json()["CiphertextBlob"]
        return ["decrypt", "--pair", "p", "--ciphertext-blob", blob]
    pair("p", spec="ML_KEM_512")
    ciphertext = cli("encapsulate", "--pair", "p").json()["Ciphertext"]
    return ["decapsulate", "--pair", "p", "--ciphertext", ciphertext]


@pytest.mark.parametrize("command", ["sign", "decrypt", "decapsulate"])
def test_decrypt_options_override_the_stored_ones(
    cli: Callable[..., Any], pair: Callable[..., Any], command: str
) -> None:
    argv = _needs_private_key(cli, pair, command)
    # The stored context is app=wb. Another one: KMS refuses, and the error says why.
    wrong = cli(*argv, "--encryption-context", "app=other")
    assert wrong.rc != 0
    assert "InvalidCiphertextException" in wrong.err
    assert "app=other" in wrong.err and "not the one stored with the pair (app=wb)" in wrong.err
    # The same context given explicitly (JSON), and the key by its alias: it works.
    right = cli(*argv, "--encryption-context", '{"app": "wb"}', "--key-id", "alias/workbench-demo")
    assert right.rc == 0, right.err
    # A grant token that is not one: KMS's own refusal.
    token = cli(*argv, "--grant-tokens", "not-a-grant-token")
    assert token.rc != 0 and "InvalidGrantTokenException" in token.err


def test_another_key_id_is_refused_and_named(
    cli: Callable[..., Any], pair: Callable[..., Any]
) -> None:
    pair("p")
    keys = cli("keys", "--all", "--output", "json").json()["Keys"]
    other = next(k for k in keys if k["KeyState"] == "Disabled")
    r = cli("sign", "--pair", "p", "--message", "m", "--key-id", other["KeyId"])
    assert r.rc != 0
    assert f"The KeyId sent ({other['KeyId']}) is not the pair's key" in r.err


def test_verify_says_it_verified_locally(cli: Callable[..., Any], pair: Callable[..., Any]) -> None:
    pair("signer")
    signature = cli("sign", "--pair", "signer", "--message", "hi").json()["Signature"]
    r = cli("verify", "--pair", "signer", "--message", "hi", "--signature", signature)
    data = r.json()
    assert r.rc == 0 and data["SignatureValid"] is True
    assert "KeyId" not in data
    assert data["VerifiedWith"] == "the public key of pair signer, locally (no KMS call)"
    assert len(data["PublicKeySha256"]) == 64


def test_sm2_distinguishing_id(cli: Callable[..., Any]) -> None:
    base = ["--region", "cn-north-1"]
    made = cli(
        *base, "generate", "--key-id", "alias/workbench-demo", "--key-pair-spec", "SM2",
        "--name", "sm2",
    )  # fmt: skip
    assert made.rc == 0, made.err
    signed = cli(*base, "sign", "--pair", "sm2", "--message", "m", "--sm2-id", "alice@example")
    assert signed.rc == 0, signed.err
    signature = signed.json()["Signature"]
    verify = [*base, "verify", "--pair", "sm2", "--message", "m", "--signature", signature]
    assert cli(*verify).rc == 1  # the default ID (KMS's) gives another Z_A
    assert cli(*verify, "--sm2-id", "alice@example").rc == 0
    default = cli(*base, "sign", "--pair", "sm2", "--message", "m").json()["Signature"]
    assert (
        cli(
            *base,
            "verify",
            "--pair",
            "sm2",
            "--message",
            "m",
            "--signature",
            default,
            "--sm2-id",
            sm2.DEFAULT_ID.decode(),
        ).rc  # fmt: skip
        == 0
    )
    digest = cli(*base, "sign", "--pair", "sm2", "--message-type", "DIGEST", "--message",
                 "00" * 32, "--sm2-id", "x")  # fmt: skip
    assert digest.rc == 252 and "RAW messages" in digest.err


def test_sm2_id_is_for_sm2_pairs(cli: Callable[..., Any], pair: Callable[..., Any]) -> None:
    pair("ec")
    r = cli("sign", "--pair", "ec", "--message", "m", "--sm2-id", "x")
    assert r.rc == 252 and "--sm2-id is for SM2 pairs" in r.err
