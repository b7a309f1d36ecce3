"""GenerateDataKey(WithoutPlaintext), GenerateDataKeyPair(WithoutPlaintext), GenerateRandom.
Data keys and data key pairs are made here and never stored; only their encrypted copies
(sealed under a symmetric KMS key's current material) leave."""

from __future__ import annotations

import os

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox import keypool
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    check_grant_tokens,
    check_symmetric,
    dry_run,
    keypairs,
    no_recipient,
    operation,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.core.specs import NOT_IN_CHINA_KEY_SPECS
from kmsworkbench.sandbox.operations import customkeystores
from kmsworkbench.sandbox.operations.encrypt import seal
from kmsworkbench.sandbox.store import KeyRecord


def wrapping_key(r: Request, p: Params, pair: bool = False) -> KeyRecord:
    """The symmetric key a data key (pair) is wrapped under: grant tokens, the key, its state
    and spec (and for pairs, not in a custom key store); DryRun answers here."""

    def work(write: bool) -> KeyRecord:
        check_grant_tokens(r, p.get("GrantTokens"))
        key = resolve_key(r, p["KeyId"], write)
        check_symmetric(r, key)
        if pair:
            customkeystores.refuse_data_key_pair(r, key)
        dry_run(p)
        return key

    return tx(r, work)


def _data_key_size(p: Params) -> int:
    spec, count = p.get("KeySpec"), p.get("NumberOfBytes")
    if (spec is None) == (count is None):
        # Exactly one of the two (API Reference).
        raise E.err("data_key_size")
    if spec is not None:
        return 32 if spec == "AES_256" else 16
    return int(count)


def _generate_data_key(r: Request, p: Params, with_plaintext: bool) -> Response:
    size = _data_key_size(p)
    no_recipient(p)
    key = wrapping_key(r, p)
    plaintext = os.urandom(size)
    out: Response = {
        "CiphertextBlob": seal(r, key, plaintext, p.get("EncryptionContext")),
        "KeyId": r.key_arn(key.key_id),
        "KeyMaterialId": key.material_id,
    }
    if with_plaintext:
        out["Plaintext"] = plaintext
    return out


@operation("GenerateDataKey")
def generate_data_key(r: Request, p: Params) -> Response:
    return _generate_data_key(r, p, with_plaintext=True)


@operation("GenerateDataKeyWithoutPlaintext")
def generate_data_key_without_plaintext(r: Request, p: Params) -> Response:
    return _generate_data_key(r, p, with_plaintext=False)


def _generate_pair(r: Request, p: Params, with_plaintext: bool) -> Response:
    spec = p["KeyPairSpec"]
    no_recipient(p)
    if spec == "SM2" and not r.in_china:
        raise E.err("sm2_not_in_region", parameter="KeyPairSpec")
    if spec in NOT_IN_CHINA_KEY_SPECS and r.in_china:
        raise E.err("key_spec_not_in_china", parameter="KeyPairSpec", spec=spec)
    key = wrapping_key(r, p, pair=True)
    # A ready RSA pair while serving (``keypool``: made ahead, used once), else made now,
    # outside any lock: this is the slow part.
    pair = keypool.take(spec) or keypairs().generate(spec)
    out: Response = {
        "PrivateKeyCiphertextBlob": seal(r, key, pair.private_der, p.get("EncryptionContext")),
        "PublicKey": pair.public_der,
        "KeyId": r.key_arn(key.key_id),
        "KeyPairSpec": spec,
        "KeyMaterialId": key.material_id,
    }
    if with_plaintext:
        out["PrivateKeyPlaintext"] = pair.private_der
    return out


@operation("GenerateDataKeyPair")
def generate_data_key_pair(r: Request, p: Params) -> Response:
    return _generate_pair(r, p, with_plaintext=True)


@operation("GenerateDataKeyPairWithoutPlaintext")
def generate_data_key_pair_without_plaintext(r: Request, p: Params) -> Response:
    return _generate_pair(r, p, with_plaintext=False)


@operation("GenerateRandom")
def generate_random(r: Request, p: Params) -> Response:
    no_recipient(p)
    if p.get("NumberOfBytes") is None:
        raise E.err("number_of_bytes_required")
    if p.get("CustomKeyStoreId"):
        customkeystores.random_source(r, p["CustomKeyStoreId"])
    return {"Plaintext": os.urandom(int(p["NumberOfBytes"]))}
