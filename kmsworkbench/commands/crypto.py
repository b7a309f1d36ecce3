"""Use a pair of the library: ``sign``, ``verify``, ``encrypt``, ``decrypt``,
``encapsulate``, ``decapsulate``.

Outputs are shaped like the AWS CLI's ``aws kms sign`` / ``verify`` / ``encrypt`` /
``decrypt`` (blobs in base64), so ``--output text --query Signature`` gives the bare value.
``KeyId`` is the ARN of the KMS key that wraps the pair's private key.

Operations that need the private key (sign, decrypt, decapsulate) first decrypt the pair's
PrivateKeyCiphertextBlob with KMS Decrypt (with the pair's encryption context); the
plaintext private key lives in memory for that one command and is never printed or written.
The others use the public key only and make no KMS call.
"""

from __future__ import annotations

import argparse
import base64
from typing import Any

from kmsworkbench.cli import UsageError
from kmsworkbench.commands._blobs import read_blob
from kmsworkbench.commands._library import get_pair, open_library
from kmsworkbench.commands._output import emit, guarded, print_error

EXIT_INVALID_SIGNATURE = 1


def _pair_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pair", required=True, metavar="NAME", help="a pair of the library")


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    sign = subparsers.add_parser(
        "sign",
        parents=parents,
        help="sign a message with a pair's private key (decrypted through KMS Decrypt)",
    )
    _pair_arg(sign)
    sign.add_argument("--message", required=True, help="TEXT, file://F or fileb://F")
    sign.add_argument("--message-type", choices=("RAW", "DIGEST"), default="RAW", type=str.upper)
    sign.add_argument("--signing-algorithm", help="default: the first the spec offers")
    sign.add_argument("--grant-tokens", nargs="+", metavar="TOKEN")
    sign.set_defaults(func=run_sign)

    verify = subparsers.add_parser(
        "verify", parents=parents, help="verify a signature with a pair's public key (no KMS call)"
    )
    _pair_arg(verify)
    verify.add_argument("--message", required=True, help="TEXT, file://F or fileb://F")
    verify.add_argument("--message-type", choices=("RAW", "DIGEST"), default="RAW", type=str.upper)
    verify.add_argument("--signature", required=True, help="base64, file://F (base64) or fileb://F")
    verify.add_argument("--signing-algorithm", help="default: the first the spec offers")
    verify.set_defaults(func=run_verify)

    enc = subparsers.add_parser(
        "encrypt",
        parents=parents,
        help="encrypt a test message with an RSA or SM2 pair's public key (no KMS call)",
    )
    _pair_arg(enc)
    enc.add_argument("--plaintext", required=True, help="TEXT, file://F or fileb://F")
    enc.add_argument(
        "--encryption-algorithm", help="RSAES_OAEP_SHA_256 (default), RSAES_OAEP_SHA_1, SM2PKE"
    )
    enc.set_defaults(func=run_encrypt)

    dec = subparsers.add_parser(
        "decrypt",
        parents=parents,
        help="decrypt a test message with a pair's private key (decrypted through KMS Decrypt)",
    )
    _pair_arg(dec)
    dec.add_argument("--ciphertext-blob", required=True, help="base64, file://F or fileb://F")
    dec.add_argument("--encryption-algorithm")
    dec.add_argument("--grant-tokens", nargs="+", metavar="TOKEN")
    dec.set_defaults(func=run_decrypt)

    encap = subparsers.add_parser(
        "encapsulate",
        parents=parents,
        help="ML-KEM: make a ciphertext and shared secret with a pair's public key",
    )
    _pair_arg(encap)
    encap.set_defaults(func=run_encapsulate)

    decap = subparsers.add_parser(
        "decapsulate",
        parents=parents,
        help="ML-KEM: recover the shared secret with a pair's private key (via KMS Decrypt)",
    )
    _pair_arg(decap)
    decap.add_argument("--ciphertext", required=True, help="base64, file://F or fileb://F")
    decap.add_argument("--grant-tokens", nargs="+", metavar="TOKEN")
    decap.set_defaults(func=run_decapsulate)


# ------------------------------------------------------------------ helpers


def _record(args: argparse.Namespace) -> Any:
    return get_pair(open_library(args), args.pair)


def _spec(record: Any) -> Any:
    from kmsworkbench.keypairs.specs import SPECS

    spec = SPECS.get(record.key_pair_spec)
    if spec is None:
        raise UsageError(f"The pair's spec {record.key_pair_spec!r} is unknown to this version.")
    return spec


def _private_key(args: argparse.Namespace, record: Any) -> bytes:
    """The pair's private key (PKCS#8 DER), decrypted by KMS with the pair's context."""
    from kmsworkbench.service import Backend, KmsError, KmsSession

    backend = Backend.from_args(args)
    with KmsSession(backend) as session:
        try:
            result = session.decrypt_private_key(
                record.private_key_ciphertext,
                encryption_context=record.encryption_context,
                key_id=record.key_arn,
                grant_tokens=getattr(args, "grant_tokens", None),
            )
        except KmsError as exc:
            label = session.label()
            if label != record.backend:
                exc.remedy = (
                    f"{exc.remedy} This pair was generated on: {record.backend}; this call "
                    f"went to: {label}. Pass the same backend options."
                ).strip()
            raise
    return result.plaintext


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
    message = read_blob("--message", args.message, inline="text")
    private_der = _private_key(args, record)
    try:
        signature = keypairs.sign(private_der, algorithm, message, args.message_type)
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
    message = read_blob("--message", args.message, inline="text")
    signature = read_blob("--signature", args.signature, inline="base64")
    try:
        valid = keypairs.verify(record.public_key, algorithm, message, signature, args.message_type)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    emit(
        {"KeyId": record.key_arn, "SignatureValid": valid, "SigningAlgorithm": algorithm},
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
