"""One public key in every format a learner meets, with the OpenSSL command that shows it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsworkbench import keypairs


@dataclass(frozen=True)
class Format:
    name: str
    text: str
    note: str
    openssl: str | None = None


def _openssh(der: bytes) -> str | None:
    """OpenSSH's one-line form, for the key types OpenSSH has (RSA, NIST ECDSA, Ed25519)."""
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        return None
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in {
        "secp256r1",
        "secp384r1",
        "secp521r1",
    }:
        return None
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        return None
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def _raw(der: bytes) -> str | None:
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        return None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    if isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return point.hex()
    return None


def public_formats(der: bytes) -> list[Format]:
    info = keypairs.load_public_key(der)
    out = [
        Format(
            "DER SubjectPublicKeyInfo",
            f"{len(der)} bytes: {der[:16].hex()}…",
            "What GenerateDataKeyPair* returns as PublicKey (base64 in JSON): the algorithm "
            "and the key, in ASN.1 DER.",
            "openssl asn1parse -inform DER -in public.der",
        ),
        Format(
            "PEM",
            info.pem.strip(),
            "The same DER in base64 between BEGIN/END lines: what most tools read.",
            "openssl pkey -pubin -inform DER -in public.der -out public.pem",
        ),
        Format(
            "JWK",
            json.dumps(info.jwk(), indent=2),
            "JSON Web Key (RFC 7517): for JOSE libraries and web APIs.",
        ),
    ]
    ssh = _openssh(der)
    if ssh:
        out.append(
            Format(
                "OpenSSH",
                ssh,
                "One line for authorized_keys: type, base64 of SSH's own wire encoding.",
                "ssh-keygen -i -m PKCS8 -f public.pem",
            )
        )
    raw = _raw(der)
    if raw:
        out.append(
            Format(
                "raw",
                raw,
                "The bare key: an EC point (04 || x || y) or 32 Ed25519 bytes, no algorithm.",
            )
        )
    out.append(
        Format(
            "openssl -text",
            info.summary,
            "What openssl prints for the key, field by field.",
            "openssl pkey -pubin -inform DER -in public.der -noout -text",
        )
    )
    return out
