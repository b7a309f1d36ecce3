"""GetPublicKey, Sign, Verify: asymmetric KMS keys (RSA, ECC, SM2, Ed25519, ML-DSA).
(Asymmetric encryption is in encrypt.py, key agreement in agreement.py, ML-KEM in kem.py.)"""

from __future__ import annotations

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    algorithms,
    check_grant_tokens,
    check_state,
    dry_run,
    keypairs,
    operation,
    resolve_key,
    tx,
    usable_key,
)
from kmsworkbench.sandbox.core.specs import (
    DIGEST_SIZES,
    EXTERNAL_MU_BYTES,
    LEGACY_SPECS,
    USAGE_FIELDS,
)
from kmsworkbench.sandbox.store import KeyRecord

ML_DSA_ALGORITHM = "ML_DSA_SHAKE_256"


@operation("GetPublicKey")
def get_public_key(r: Request, p: Params) -> Response:
    def work(write: bool) -> KeyRecord:
        check_grant_tokens(r, p.get("GrantTokens"))
        key = resolve_key(r, p["KeyId"], write)
        check_state(r, key)
        if key.public_der is None:
            raise E.err("no_public_key", arn=r.key_arn(key.key_id), spec=key.key_spec)
        return key

    key = tx(r, work)
    out: Response = {
        "KeyId": r.key_arn(key.key_id),
        "PublicKey": key.public_der,
        "KeySpec": key.key_spec,
        "KeyUsage": key.key_usage,
    }
    if key.key_spec in LEGACY_SPECS:
        out["CustomerMasterKeySpec"] = key.key_spec
    out[USAGE_FIELDS[key.key_usage]] = list(algorithms(key))
    return out


def _check_message_type(algorithm: str, message_type: str, message: bytes) -> None:
    if algorithm == ML_DSA_ALGORITHM:
        # ML-DSA signs a RAW message (up to 4096 bytes, the model's limit) or its 64-byte
        # mu (EXTERNAL_MU, FIPS 204 6.2); KMS has no HashML-DSA, so no DIGEST.
        if message_type == "DIGEST":
            raise E.err("ml_dsa_digest_invalid", algorithm=algorithm)
        if message_type == "EXTERNAL_MU" and len(message) != EXTERNAL_MU_BYTES:
            raise E.err("external_mu_length", algorithm=algorithm)
        return
    if message_type == "EXTERNAL_MU":
        # External mu is an ML-DSA notion; no other algorithm accepts it.
        raise E.err("external_mu_invalid", algorithm=algorithm)
    if algorithm == "ED25519_SHA_512" and message_type != "RAW":
        raise E.err("ed25519_raw_only")
    if algorithm == "ED25519_PH_SHA_512" and message_type != "DIGEST":
        raise E.err("ed25519ph_digest_only")
    if message_type == "DIGEST" and len(message) != DIGEST_SIZES.get(algorithm, -1):
        raise E.err("digest_length", algorithm=algorithm)


def signing_key(r: Request, p: Params) -> KeyRecord:
    """The checked SIGN_VERIFY key for Sign / Verify; DryRun answers here."""

    def work(write: bool) -> KeyRecord:
        return usable_key(r, p, write, "SIGN_VERIFY", p["SigningAlgorithm"])

    key = tx(r, work)
    _check_message_type(p["SigningAlgorithm"], p.get("MessageType") or "RAW", p["Message"])
    dry_run(p)
    return key


@operation("Sign")
def sign(r: Request, p: Params) -> Response:
    key = signing_key(r, p)
    assert key.secret is not None
    kp = keypairs()
    algorithm = p["SigningAlgorithm"]
    try:
        signature = kp.sign(key.secret, algorithm, p["Message"], p.get("MessageType") or "RAW")
    except kp.UnsupportedAlgorithmError as exc:
        raise E.err("algorithm_incompatible", algorithm=algorithm, spec=key.key_spec) from exc
    return {
        "KeyId": r.key_arn(key.key_id),
        "Signature": bytes(signature),
        "SigningAlgorithm": algorithm,
    }


@operation("Verify")
def verify(r: Request, p: Params) -> Response:
    key = signing_key(r, p)
    assert key.public_der is not None
    kp = keypairs()
    algorithm = p["SigningAlgorithm"]
    try:
        valid = kp.verify(
            key.public_der, algorithm, p["Message"], p["Signature"], p.get("MessageType") or "RAW"
        )
    except kp.UnsupportedAlgorithmError as exc:
        raise E.err("algorithm_incompatible", algorithm=algorithm, spec=key.key_spec) from exc
    if not valid:
        raise E.err("invalid_signature")
    return {"KeyId": r.key_arn(key.key_id), "SignatureValid": True, "SigningAlgorithm": algorithm}
