"""sign / verify / encrypt / decrypt / encapsulate / decapsulate with pairs of the library."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kmsworkbench import paths
from kmsworkbench.pairs import PairLibrary


def test_sign_and_verify(cli: Callable[..., Any], pair: Callable[..., Any], tmp_path: Path) -> None:
    pair("signer")
    signed = cli("sign", "--pair", "signer", "--message", "hello")
    assert signed.rc == 0, signed.err
    data = signed.json()
    assert list(data) == ["KeyId", "Signature", "SigningAlgorithm"]
    assert data["SigningAlgorithm"] == "ECDSA_SHA_256"
    bare = cli(
        "sign", "--pair", "signer", "--message", "hello", "--output", "text", "--query", "Signature"
    )
    assert base64.b64decode(bare.out.strip(), validate=True)
    ok = cli("verify", "--pair", "signer", "--message", "hello", "--signature", data["Signature"])
    assert ok.rc == 0 and ok.json()["SignatureValid"] is True
    bad = cli("verify", "--pair", "signer", "--message", "hellO", "--signature", data["Signature"])
    assert bad.rc == 1 and bad.json()["SignatureValid"] is False
    # fileb:// for message and signature
    msg = tmp_path / "m.bin"
    msg.write_bytes(b"\x00\x01binary")
    sig = tmp_path / "s.bin"
    raw = cli(
        "sign",
        "--pair",
        "signer",
        "--message",
        f"fileb://{msg}",
        "--output",
        "text",
        "--query",
        "Signature",
    )
    sig.write_bytes(base64.b64decode(raw.out.strip()))
    assert (
        cli(
            "verify",
            "--pair",
            "signer",
            "--message",
            f"fileb://{msg}",
            "--signature",
            f"fileb://{sig}",
        ).rc
        == 0
    )


def test_sign_rsa_algorithms_and_digest(
    cli: Callable[..., Any], pair: Callable[..., Any], tmp_path: Path
) -> None:
    import hashlib

    pair("rsa", spec="RSA_2048")
    digest = base64.b64encode(hashlib.sha256(b"m").digest()).decode()
    r = cli("sign", "--pair", "rsa", "--message", "m", "--signing-algorithm", "RSASSA_PSS_SHA_256")
    assert r.rc == 0, r.err
    sig = r.json()["Signature"]
    assert (
        cli(
            "verify",
            "--pair",
            "rsa",
            "--message",
            "m",
            "--signature",
            sig,
            "--signing-algorithm",
            "RSASSA_PSS_SHA_256",
        ).rc
        == 0
    )
    bad_alg = cli("sign", "--pair", "rsa", "--message", "m", "--signing-algorithm", "ECDSA_SHA_256")
    assert bad_alg.rc == 252 and "RSASSA_PSS_SHA_256" in bad_alg.err
    digest_file = tmp_path / "digest.bin"
    digest_file.write_bytes(base64.b64decode(digest))
    by_digest = cli(
        "sign",
        "--pair",
        "rsa",
        "--message",
        f"fileb://{digest_file}",
        "--message-type",
        "DIGEST",
        "--signing-algorithm",
        "RSASSA_PKCS1_V1_5_SHA_256",
    )
    assert by_digest.rc == 0, by_digest.err
    sig = by_digest.json()["Signature"]
    assert (
        cli(
            "verify",
            "--pair",
            "rsa",
            "--message",
            "m",
            "--signature",
            sig,
            "--signing-algorithm",
            "RSASSA_PKCS1_V1_5_SHA_256",
        ).rc
        == 0
    )


def test_verify_rejects_bad_base64(cli: Callable[..., Any], pair: Callable[..., Any]) -> None:
    pair("p")
    r = cli("verify", "--pair", "p", "--message", "x", "--signature", "not base64!!")
    assert r.rc == 252 and "Invalid base64" in r.err


def test_missing_file_and_missing_pair(
    cli: Callable[..., Any], pair: Callable[..., Any], tmp_path: Path
) -> None:
    pair("p")
    r = cli("sign", "--pair", "p", "--message", f"fileb://{tmp_path / 'absent'}")
    assert r.rc == 252 and "Unable to load paramfile" in r.err
    r = cli("sign", "--pair", "nobody", "--message", "x")
    assert r.rc == 252 and "No pair named 'nobody'" in r.err


def _tamper(name: str, **changes: Any) -> None:
    path = paths.data_dir() / "pairs" / f"{name}.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_wrong_context_explains_the_rule(cli: Callable[..., Any], pair: Callable[..., Any]) -> None:
    pair("p", context="app=wb")
    _tamper("p", encryption_context={"app": "WB"})
    r = cli("sign", "--pair", "p", "--message", "x")
    assert r.rc == 254
    assert (
        "An error occurred (InvalidCiphertextException) when calling the Decrypt operation:"
        in r.err
    )
    assert "case-sensitively" in r.err and "exact encryption context" in r.err


def test_tampered_blob(cli: Callable[..., Any], pair: Callable[..., Any]) -> None:
    pair("p")
    blob = bytearray(PairLibrary(paths.data_dir()).get("p").private_key_ciphertext)
    blob[-5] ^= 0x01
    _tamper("p", private_key_ciphertext=base64.b64encode(bytes(blob)).decode())
    r = cli("sign", "--pair", "p", "--message", "x")
    assert r.rc == 254 and "(InvalidCiphertextException)" in r.err


def test_other_backend_hint(
    cli: Callable[..., Any], pair: Callable[..., Any], tmp_path: Path
) -> None:
    pair("p")
    r = cli("sign", "--pair", "p", "--message", "x", "--region", "eu-west-1")
    assert r.rc == 254
    assert "This pair was generated on: sandbox" in r.err


def test_encrypt_decrypt_rsa(cli: Callable[..., Any], pair: Callable[..., Any]) -> None:
    pair("rsa", spec="RSA_2048")
    enc = cli("encrypt", "--pair", "rsa", "--plaintext", "secret message")
    assert enc.rc == 0, enc.err
    data = enc.json()
    assert data["EncryptionAlgorithm"] == "RSAES_OAEP_SHA_256"
    dec = cli("decrypt", "--pair", "rsa", "--ciphertext-blob", data["CiphertextBlob"])
    assert dec.rc == 0, dec.err
    assert base64.b64decode(dec.json()["Plaintext"]) == b"secret message"
    sha1 = cli(
        "encrypt", "--pair", "rsa", "--plaintext", "m", "--encryption-algorithm", "RSAES_OAEP_SHA_1"
    ).json()
    wrong = cli("decrypt", "--pair", "rsa", "--ciphertext-blob", sha1["CiphertextBlob"])
    assert wrong.rc == 255 and "does not decrypt" in wrong.err


def test_encrypt_refused_for_ecc(cli: Callable[..., Any], pair: Callable[..., Any]) -> None:
    pair("ec")
    r = cli("encrypt", "--pair", "ec", "--plaintext", "x")
    assert r.rc == 252 and "cannot be used for encryption" in r.err


def test_sm2_in_a_china_region(cli: Callable[..., Any], tmp_path: Path) -> None:
    data = str(tmp_path / "cn")
    base = ["--data-dir", data, "--region", "cn-north-1"]
    r = cli(
        *base,
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "SM2",
        "--name",
        "sm2",
    )
    assert r.rc == 0, r.err
    assert r.json()["KeyId"].startswith("arn:aws-cn:kms:cn-north-1:")
    enc = cli(*base, "encrypt", "--pair", "sm2", "--plaintext", "hi")
    assert enc.rc == 0 and enc.json()["EncryptionAlgorithm"] == "SM2PKE"
    dec = cli(*base, "decrypt", "--pair", "sm2", "--ciphertext-blob", enc.json()["CiphertextBlob"])
    assert dec.rc == 0, dec.err
    assert base64.b64decode(dec.json()["Plaintext"]) == b"hi"
    sig = cli(*base, "sign", "--pair", "sm2", "--message", "m").json()["Signature"]
    assert cli(*base, "verify", "--pair", "sm2", "--message", "m", "--signature", sig).rc == 0


def test_ml_kem_encapsulate_decapsulate(cli: Callable[..., Any], pair: Callable[..., Any]) -> None:
    pair("kem", spec="ML_KEM_768", context=None)
    enc = cli("encapsulate", "--pair", "kem")
    assert enc.rc == 0, enc.err
    data = enc.json()
    dec = cli("decapsulate", "--pair", "kem", "--ciphertext", data["Ciphertext"])
    assert dec.rc == 0, dec.err
    assert dec.json()["SharedSecret"] == data["SharedSecret"]
    assert cli("encapsulate", "--pair", "nobody").rc == 252
    pair("ec")
    assert cli("encapsulate", "--pair", "ec").rc == 252
