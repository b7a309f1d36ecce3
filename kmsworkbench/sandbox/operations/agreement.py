"""DeriveSharedSecret: KEY_AGREEMENT keys (ECC_NIST_P256/P384/P521; SM2 in China Regions).

The raw ECDH shared secret of the KMS key's private key and the peer's public key, computed
by ``keypairs.derive_shared_secret`` (see that module for what the primitive is). The peer's
key must be a DER SubjectPublicKeyInfo on the KMS key's curve. ``Recipient`` (Nitro Enclaves
attestation, answered with CiphertextForRecipient) is refused, as for every operation: the
sandbox cannot verify an attestation document against AWS's root of trust.
"""

from __future__ import annotations

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    dry_run,
    keypairs,
    no_recipient,
    operation,
    tx,
    usable_key,
)
from kmsworkbench.sandbox.store import KeyRecord


def _check_peer_key(key: KeyRecord, peer_der: bytes) -> None:
    kp = keypairs()
    if peer_der[:1] != b"\x30":  # keypairs also reads PEM and base64; KMS takes DER only
        raise E.err(
            "peer_key_malformed",
            detail="it is not DER (PEM or base64 text must be decoded first)",
        )
    try:
        peer = kp.load_public_key(peer_der)
    except kp.KeyFormatError as exc:
        raise E.err("peer_key_malformed", detail=str(exc).split(" (valid:")[0]) from exc
    if peer.spec != key.key_spec:
        raise E.err("peer_key_wrong_curve", peer_spec=peer.spec, spec=key.key_spec)


@operation("DeriveSharedSecret")
def derive_shared_secret(r: Request, p: Params) -> Response:
    no_recipient(p)

    def work(write: bool) -> KeyRecord:
        # Keys in custom key stores (AWS_CLOUDHSM, EXTERNAL_KEY_STORE origins), which
        # DeriveSharedSecret does not support, are symmetric: the usage check refuses them.
        return usable_key(r, p, write, "KEY_AGREEMENT", p["KeyAgreementAlgorithm"])

    key = tx(r, work)
    _check_peer_key(key, p["PublicKey"])
    dry_run(p)
    assert key.secret is not None
    secret = keypairs().derive_shared_secret(key.secret, p["PublicKey"])
    return {
        "KeyId": r.key_arn(key.key_id),
        "SharedSecret": bytes(secret),
        "KeyAgreementAlgorithm": p["KeyAgreementAlgorithm"],
        "KeyOrigin": key.origin,
    }
