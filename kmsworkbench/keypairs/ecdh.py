"""ECDH key agreement as KMS DeriveSharedSecret does it: the raw shared secret.

KMS documents "the Elliptic Curve Cryptography Cofactor Diffie-Hellman Primitive" (NIST SP
800-56A rev. 3, 5.7.1.2) for KEY_AGREEMENT keys on ECC_NIST_P256, ECC_NIST_P384,
ECC_NIST_P521 and (China Regions only) SM2. The secret is the x-coordinate of
h * d_A * Q_B, big-endian, as many bytes as the field (32, 48, 66; 32 for SM2), with no key
derivation applied. Every one of these curves has cofactor h = 1, so the cofactor primitive is
the plain one, which is what ``cryptography``'s ``ECDH`` exchange and ``openssl pkeyutl
-derive`` compute.

SM2: ``cryptography`` has no SM2 curve, so the same primitive is computed with ``sm2``'s curve
arithmetic. This is plain ECDH on sm2p256v1, not the SM2 key exchange protocol of
GB/T 32918.3 (which needs ephemeral keys and both parties' IDs, and which DeriveSharedSecret's
single peer public key cannot express). That KMS does exactly this for SM2 is our reading of
its documentation, not something we could check against AWS (unverified).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from . import sm2
from .errors import KeyAgreementError
from .keys import load_private_key, load_public_key

KEY_AGREEMENT_SPECS = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "SM2")
KEY_AGREEMENT_ALGORITHM = "ECDH"
SECRET_BYTES = {
    "ECC_NIST_P256": 32,
    "ECC_NIST_P384": 48,
    "ECC_NIST_P521": 66,
    "ECC_SECG_P256K1": 32,
    "SM2": 32,
}
# Data key pairs are used outside KMS, so ECDH also works on secp256k1 (cofactor 1 too),
# which KMS KEY_AGREEMENT keys do not offer: callers opt in with ``specs=``.
DATA_KEY_PAIR_SPECS = (*KEY_AGREEMENT_SPECS, "ECC_SECG_P256K1")


def derive_shared_secret(
    private_der: bytes | str,
    peer_public_der: bytes | str,
    *,
    specs: tuple[str, ...] = KEY_AGREEMENT_SPECS,
) -> bytes:
    """The raw ECDH shared secret of our private key (PKCS#8) and the peer's public key
    (SubjectPublicKeyInfo; DER, PEM or base64). ``specs`` are the curves allowed (KMS's by
    default; ``DATA_KEY_PAIR_SPECS`` adds secp256k1 for data key pairs).

    Raises ``KeyFormatError`` when the peer key is not a readable public key, and
    ``KeyAgreementError`` when the keys are on different curves or not on a key agreement
    curve."""
    private = load_private_key(private_der)
    if private.spec not in specs:
        raise KeyAgreementError(
            f"{private.spec} keys cannot be used for key agreement; ECDH works on "
            f"{', '.join(specs[:-1])} and {specs[-1]}"
        )
    peer = load_public_key(peer_public_der)
    if peer.spec != private.spec:
        raise KeyAgreementError(
            f"the peer's public key is {peer.spec} but the private key is {private.spec}; "
            "both key pairs must be on the same curve"
        )
    key, peer_key = private._key, peer._key
    if isinstance(key, sm2.PrivateKey) and isinstance(peer_key, sm2.PublicKey):
        point = sm2.multiply(key.d, peer_key.point)
        if point is None:  # impossible for a valid key on a prime-order curve; kept as a guard
            raise KeyAgreementError("the SM2 key agreement gives the point at infinity")
        return point[0].to_bytes(SECRET_BYTES["SM2"], "big")
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(
        peer_key, ec.EllipticCurvePublicKey
    ):
        return key.exchange(ec.ECDH(), peer_key)
    raise KeyAgreementError(
        f"{private.spec} keys cannot be used for key agreement"
    )  # pragma: no cover
