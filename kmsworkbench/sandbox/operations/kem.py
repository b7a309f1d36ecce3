"""Encapsulate, Decapsulate: ML-KEM KMS keys (ML_KEM_512/768/1024, ENCAPSULATE_DECAPSULATE).

Encapsulate uses the public key: a fresh 32-byte shared secret and its ciphertext (768, 1088
or 1568 bytes). Decapsulate uses the private key. As FIPS 203 and the Decapsulate docs say,
a ciphertext of the right length always yields a 32-byte secret: one from another key, or one
that was changed, gives a pseudo-random secret (implicit rejection), not an error; only a
wrong length is InvalidCiphertextException. Neither operation exists in China Regions.
"""

from __future__ import annotations

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    dry_run,
    keypairs,
    operation,
    tx,
    usable_key,
)
from kmsworkbench.sandbox.store import KeyRecord

CIPHERTEXT_BYTES = {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}


def _kem_key(r: Request, p: Params) -> KeyRecord:
    if r.in_china:
        raise E.err("operation_not_in_china", operation=r.operation)

    def work(write: bool) -> KeyRecord:
        return usable_key(r, p, write, "ENCAPSULATE_DECAPSULATE", p["EncapsulationAlgorithm"])

    return tx(r, work)


@operation("Encapsulate")
def encapsulate(r: Request, p: Params) -> Response:
    key = _kem_key(r, p)
    dry_run(p)
    assert key.public_der is not None
    ciphertext, secret = keypairs().encapsulate(key.public_der)
    return {
        "KeyId": r.key_arn(key.key_id),
        "SharedSecret": bytes(secret),
        "SharedSecretCiphertextBlob": bytes(ciphertext),
        "EncapsulationAlgorithm": p["EncapsulationAlgorithm"],
    }


@operation("Decapsulate")
def decapsulate(r: Request, p: Params) -> Response:
    key = _kem_key(r, p)
    ciphertext = p["SharedSecretCiphertextBlob"]
    if len(ciphertext) != CIPHERTEXT_BYTES[key.key_spec]:
        raise E.err("kem_ciphertext_length")
    dry_run(p)
    assert key.secret is not None
    return {
        "KeyId": r.key_arn(key.key_id),
        "SharedSecret": bytes(keypairs().decapsulate(key.secret, ciphertext)),
        "EncapsulationAlgorithm": p["EncapsulationAlgorithm"],
    }
