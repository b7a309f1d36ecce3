"""Use a pair of the library: ``sign``, ``verify``, ``encrypt``, ``decrypt``,
``encapsulate``, ``decapsulate``.

Outputs are shaped like the AWS CLI's ``aws kms sign`` / ``verify`` / ``encrypt`` /
``decrypt`` (blobs in base64), so ``--output text --query Signature`` gives the bare value.
``KeyId`` is the ARN of the KMS key that wraps the pair's private key.

Operations that need the private key (sign, decrypt, decapsulate) first decrypt the pair's
PrivateKeyCiphertextBlob with KMS Decrypt, with the pair's encryption context and key ARN
unless ``--encryption-context`` / ``--key-id`` say otherwise (to show the wrong-context or
wrong-key failure), and ``--grant-tokens``; the plaintext private key lives in memory for that
one command and is never printed or written. The others use the public key only and make no
KMS call: ``verify`` says so (``VerifiedWith``) instead of naming a KMS key as if KMS had
verified. SM2 pairs take ``--sm2-id`` (the distinguishing ID for RAW messages; KMS always
uses 1234567812345678).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
from typing import Any

from kmsworkbench.cli import UsageError
from kmsworkbench.commands._blobs import read_blob
from kmsworkbench.commands._library import get_pair, open_library
from kmsworkbench.commands._output import emit, guarded, print_error
from kmsworkbench.commands._register import Run, add_command, encryption_context_param

EXIT_INVALID_SIGNATURE = 1


def _pair_command(
    subparsers: Any, name: str, parents: list[argparse.ArgumentParser], func: Run, help: str
) -> argparse.ArgumentParser:
    """A sub-command that works with a pair of the library (``--pair NAME``)."""
    p = add_command(subparsers, name, parents, func, help)
    p.add_argument("--pair", required=True, metavar="NAME", help="a pair of the library")
    return p


def _decrypt_args(p: argparse.ArgumentParser) -> None:
    """The options of the KMS Decrypt of the pair's private key."""
    p.add_argument(
        "--encryption-context",
        help="k1=v1,k2=v2 or JSON (or file://F) for the Decrypt, instead of the stored one",
    )
    p.add_argument(
        "--key-id", help="KeyId for the Decrypt (key ID, ARN, alias), instead of the pair's key"
    )
    p.add_argument("--grant-tokens", nargs="+", metavar="TOKEN", help="grant tokens for Decrypt")


def _sm2_id_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--sm2-id",
        metavar="ID",
        help="SM2 pairs, RAW messages: the distinguishing ID (default 1234567812345678, the "
        "one KMS always uses)",
    )


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    sign = _pair_command(
        subparsers,
        "sign",
        parents,
        run_sign,
        "sign a message with a pair's private key (decrypted through KMS Decrypt)",
    )
    sign.add_argument("--message", required=True, help="TEXT, file://F or fileb://F")
    sign.add_argument("--message-type", choices=("RAW", "DIGEST"), default="RAW", type=str.upper)
    sign.add_argument("--signing-algorithm", help="default: the first the spec offers")
    _sm2_id_arg(sign)
    _decrypt_args(sign)

    verify = _pair_command(
        subparsers,
        "verify",
        parents,
        run_verify,
        "verify a signature with a pair's public key (no KMS call)",
    )
    verify.add_argument("--message", required=True, help="TEXT, file://F or fileb://F")
    verify.add_argument("--message-type", choices=("RAW", "DIGEST"), default="RAW", type=str.upper)
    verify.add_argument("--signature", required=True, help="base64, file://F (base64) or fileb://F")
    verify.add_argument("--signing-algorithm", help="default: the first the spec offers")
    _sm2_id_arg(verify)

    enc = _pair_command(
        subparsers,
        "encrypt",
        parents,
        run_encrypt,
        "encrypt a test message with an RSA or SM2 pair's public key (no KMS call)",
    )
    enc.add_argument("--plaintext", required=True, help="TEXT, file://F or fileb://F")
    enc.add_argument(
        "--encryption-algorithm", help="RSAES_OAEP_SHA_256 (default), RSAES_OAEP_SHA_1, SM2PKE"
    )

    dec = _pair_command(
        subparsers,
        "decrypt",
        parents,
        run_decrypt,
        "decrypt a test message with a pair's private key (decrypted through KMS Decrypt)",
    )
    dec.add_argument("--ciphertext-blob", required=True, help="base64, file://F or fileb://F")
    dec.add_argument("--encryption-algorithm")
    _decrypt_args(dec)

    _pair_command(
        subparsers,
        "encapsulate",
        parents,
        run_encapsulate,
        "ML-KEM: make a ciphertext and shared secret with a pair's public key",
    )
    decap = _pair_command(
        subparsers,
        "decapsulate",
        parents,
        run_decapsulate,
        "ML-KEM: recover the shared secret with a pair's private key (via KMS Decrypt)",
    )
    decap.add_argument("--ciphertext", required=True, help="base64, file://F or fileb://F")
    _decrypt_args(decap)


# ------------------------------------------------------------------ helpers


def _record(args: argparse.Namespace) -> Any:
    return get_pair(open_library(args), args.pair)


def _spec(record: Any) -> Any:
    from kmsworkbench.keypairs.specs import SPECS

    spec = SPECS.get(record.key_pair_spec)
    if spec is None:
        raise UsageError(f"The pair's spec {record.key_pair_spec!r} is unknown to this version.")
    return spec


def _decrypt_context(args: argparse.Namespace, record: Any) -> dict[str, str]:
    """The encryption context for the Decrypt: ``--encryption-context`` or the stored one."""
    given = getattr(args, "encryption_context", None)
    if given is None:
        return dict(record.encryption_context)
    return encryption_context_param(given)


def _private_key(args: argparse.Namespace, record: Any) -> bytes:
    """The pair's private key (PKCS#8 DER), decrypted by KMS with the pair's context and key
    (or those the options give)."""
    from kmsworkbench.service import Backend, KmsError, KmsSession
    from kmsworkbench.service.context import format_context_for_cli

    context = _decrypt_context(args, record)
    key_id = getattr(args, "key_id", None) or record.key_arn
    backend = Backend.from_args(args)
    with KmsSession(backend) as session:
        try:
            result = session.decrypt_private_key(
                record.private_key_ciphertext,
                encryption_context=context or None,
                key_id=key_id,
                grant_tokens=getattr(args, "grant_tokens", None),
            )
        except KmsError as exc:
            notes: list[str] = []
            if context != record.encryption_context:
                stored = record.encryption_context
                notes.append(
                    f"The encryption context sent ({format_context_for_cli(context) or 'none'})"
                    f" is not the one stored with the pair "
                    f"({format_context_for_cli(stored) if stored else 'none'})."
                )
            if key_id != record.key_arn:
                notes.append(f"The KeyId sent ({key_id}) is not the pair's key {record.key_arn}.")
            label = session.label()
            if label != record.backend:
                notes.append(
                    f"This pair was generated on: {record.backend}; this call went to: "
                    f"{label}. Pass the same backend options."
                )
            if notes:
                exc.remedy = f"{exc.remedy} {' '.join(notes)}".strip()
            raise
    return result.plaintext


def _sm2_extra(args: argparse.Namespace, spec: Any) -> dict[str, bytes]:
    """``sm2_id`` for keypairs.sign/verify from ``--sm2-id`` (SM2 pairs, RAW messages)."""
    given = getattr(args, "sm2_id", None)
    if given is None:
        return {}
    if spec.name != "SM2":
        raise UsageError(f"--sm2-id is for SM2 pairs; this pair is {spec.name}.")
    if args.message_type == "DIGEST":
        raise UsageError(
            "--sm2-id applies to RAW messages; a DIGEST already includes Z_A, and so the ID."
        )
    data = given.encode("utf-8")
    if not data or len(data) > 8191:
        raise UsageError("--sm2-id must be 1 to 8191 bytes (UTF-8).")
    return {"sm2_id": data}


def _pair_and_algorithm(args: argparse.Namespace, given: str | None, what: str) -> tuple[Any, str]:
    """The pair ``--pair`` names and the ``what`` ("signing" or "encryption") algorithm to use:
    ``given``, checked against the pair's spec, or the spec's default."""
    record = _record(args)
    spec = _spec(record)
    offered = spec.signing_algorithms if what == "signing" else _enc_algorithms(spec)
    return record, _algorithm(given, offered, what, spec.name)


def _algorithm(given: str | None, offered: tuple[str, ...], what: str, spec_name: str) -> str:
    if not offered:
        raise UsageError(f"A {spec_name} pair cannot be used for {what}.")
    if given is None:
        return offered[0]
    if given not in offered:
        raise UsageError(
            f"{given} is not a {what} algorithm for {spec_name}; use one of: {', '.join(offered)}"
        )
    return given


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# ------------------------------------------------------------------ commands


@guarded
def run_sign(args: argparse.Namespace) -> int:
    from kmsworkbench import keypairs

    record, algorithm = _pair_and_algorithm(args, args.signing_algorithm, "signing")
    extra = _sm2_extra(args, _spec(record))
    message = read_blob("--message", args.message, inline="text")
    private_der = _private_key(args, record)
    try:
        signature = keypairs.sign(private_der, algorithm, message, args.message_type, **extra)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    finally:
        del private_der
    emit(
        {"KeyId": record.key_arn, "Signature": _b64(signature), "SigningAlgorithm": algorithm},
        args,
        "Sign",
    )
    return 0


@guarded
def run_verify(args: argparse.Namespace) -> int:
    from kmsworkbench import keypairs

    record, algorithm = _pair_and_algorithm(args, args.signing_algorithm, "signing")
    extra = _sm2_extra(args, _spec(record))
    message = read_blob("--message", args.message, inline="text")
    signature = read_blob("--signature", args.signature, inline="base64")
    try:
        valid = keypairs.verify(
            record.public_key, algorithm, message, signature, args.message_type, **extra
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    # Not KMS Verify: no KMS key took part, so no KeyId (which would read as if KMS had).
    emit(
        {
            "SignatureValid": valid,
            "SigningAlgorithm": algorithm,
            "VerifiedWith": f"the public key of pair {record.name}, locally (no KMS call)",
            "PublicKeySha256": hashlib.sha256(record.public_key).hexdigest(),
        },
        args,
        "Verify",
    )
    return 0 if valid else EXIT_INVALID_SIGNATURE


@guarded
def run_encrypt(args: argparse.Namespace) -> int:
    from kmsworkbench import keypairs

    record, algorithm = _pair_and_algorithm(args, args.encryption_algorithm, "encryption")
    plaintext = read_blob("--plaintext", args.plaintext, inline="text")
    try:
        ciphertext = keypairs.encrypt(record.public_key, algorithm, plaintext)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    emit(
        {
            "CiphertextBlob": _b64(ciphertext),
            "KeyId": record.key_arn,
            "EncryptionAlgorithm": algorithm,
        },
        args,
        "Encrypt",
    )
    return 0


def _enc_algorithms(spec: Any) -> tuple[str, ...]:
    # KMS lists RSAES_OAEP_SHA_1 first; SHA-256 is the sensible default.
    algs = tuple(spec.encryption_algorithms)
    if "RSAES_OAEP_SHA_256" in algs:
        algs = ("RSAES_OAEP_SHA_256",) + tuple(a for a in algs if a != "RSAES_OAEP_SHA_256")
    return algs


@guarded
def run_decrypt(args: argparse.Namespace) -> int:
    from kmsworkbench import keypairs

    record, algorithm = _pair_and_algorithm(args, args.encryption_algorithm, "encryption")
    ciphertext = read_blob("--ciphertext-blob", args.ciphertext_blob, inline="base64")
    private_der = _private_key(args, record)
    try:
        plaintext = keypairs.decrypt(private_der, algorithm, ciphertext)
    except keypairs.DecryptionError as exc:
        return print_error(
            RuntimeError(f"The ciphertext does not decrypt with this pair's private key: {exc}")
        )
    finally:
        del private_der
    emit(
        {"KeyId": record.key_arn, "Plaintext": _b64(plaintext), "EncryptionAlgorithm": algorithm},
        args,
        "Decrypt",
    )
    return 0


def _require_kem(spec: Any) -> None:
    if not spec.key_encapsulation:
        raise UsageError(f"A {spec.name} pair does not do key encapsulation; use an ML_KEM pair.")


@guarded
def run_encapsulate(args: argparse.Namespace) -> int:
    from kmsworkbench import keypairs

    record = _record(args)
    _require_kem(_spec(record))
    ciphertext, secret = keypairs.encapsulate(record.public_key)
    emit(
        {"KeyId": record.key_arn, "Ciphertext": _b64(ciphertext), "SharedSecret": _b64(secret)},
        args,
        "Encapsulate",
    )
    return 0


@guarded
def run_decapsulate(args: argparse.Namespace) -> int:
    from kmsworkbench import keypairs

    record = _record(args)
    _require_kem(_spec(record))
    ciphertext = read_blob("--ciphertext", args.ciphertext, inline="base64")
    private_der = _private_key(args, record)
    try:
        secret = keypairs.decapsulate(private_der, ciphertext)
    except ValueError as exc:
        raise UsageError(f"The ciphertext does not fit this pair: {exc}") from None
    finally:
        del private_der
    emit({"KeyId": record.key_arn, "SharedSecret": _b64(secret)}, args, "Decapsulate")
    return 0
