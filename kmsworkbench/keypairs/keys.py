"""Loading keys (DER, PEM or base64), telling which spec they are, fingerprints, summaries and
JWKs.

Every key goes through a strict structural pass first (SubjectPublicKeyInfo or PKCS#8
PrivateKeyInfo, and the algorithm identifier), so that a key of the wrong kind is refused with a
message that says what it is (a P-224 key, a DSA key, a PKCS#1 file, an encrypted key, ...)
instead of an error from deep inside a library. Messages never contain key material.

``PublicKeyInfo.der`` and ``PrivateKeyInfo.der`` are the DER bytes as given (after PEM or base64
unwrapping), so a fingerprint is the fingerprint of the SPKI you have. ``public_der`` of a
private key, and the comparison in ``keys_match``, use the canonical SPKI: the form KMS returns
(uncompressed EC points; id-ecPublicKey with the sm2 curve for SM2).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from dataclasses import dataclass, field

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from . import _der, mlkem, sm2
from .errors import KeyFormatError
from .specs import SPECS, Family

OID_RSA = "1.2.840.113549.1.1.1"
OID_EC_PUBLIC_KEY = sm2.EC_PUBLIC_KEY_OID
OID_ED25519 = "1.3.101.112"
OID_SM2 = sm2.SM2_OID

# named curve OID -> spec
EC_CURVE_SPECS: dict[str, str] = {
    "1.2.840.10045.3.1.7": "ECC_NIST_P256",
    "1.3.132.0.34": "ECC_NIST_P384",
    "1.3.132.0.35": "ECC_NIST_P521",
    "1.3.132.0.10": "ECC_SECG_P256K1",
    OID_SM2: "SM2",
}
_CRYPTOGRAPHY_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
_JWK_CURVES = {  # RFC 7518 6.2.1.1 and RFC 8812 3.1 (secp256k1)
    "ECC_NIST_P256": "P-256",
    "ECC_NIST_P384": "P-384",
    "ECC_NIST_P521": "P-521",
    "ECC_SECG_P256K1": "secp256k1",
}
# Curves and algorithms we recognise only to refuse them by name.
_OTHER_CURVES = {
    "1.3.132.0.33": "P-224 (secp224r1)",
    "1.2.840.10045.3.1.1": "P-192 (prime192v1)",
    "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
    "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
    "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
    "1.3.132.0.31": "secp192k1",
    "1.3.132.0.32": "secp224k1",
}
_OTHER_ALGORITHMS = {
    "1.3.101.110": "X25519",
    "1.3.101.111": "X448",
    "1.3.101.113": "Ed448",
    "1.2.840.10040.4.1": "DSA",
    "1.2.840.113549.1.3.1": "Diffie-Hellman",
    "1.2.840.10046.2.1": "X9.42 Diffie-Hellman",
    "1.2.840.113549.1.1.10": "RSASSA-PSS (an RSA key restricted to PSS)",
    "1.2.840.113549.1.1.7": "RSAES-OAEP (an RSA key restricted to OAEP)",
    "2.16.840.1.101.3.4.3.17": "ML-DSA-44",
    "2.16.840.1.101.3.4.3.18": "ML-DSA-65",
    "2.16.840.1.101.3.4.3.19": "ML-DSA-87",
}
_RSA_SPECS = {2048: "RSA_2048", 3072: "RSA_3072", 4096: "RSA_4096"}
_VALID = ", ".join(SPECS)

PublicKeyObject = (
    rsa.RSAPublicKey
    | ec.EllipticCurvePublicKey
    | ed25519.Ed25519PublicKey
    | sm2.PublicKey
    | mlkem.PublicKey
)
PrivateKeyObject = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | sm2.PrivateKey
    | mlkem.PrivateKey
)

# --------------------------------------------------------------------------- input forms

_PEM_RE = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END ([A-Z0-9 ]+)-----", re.DOTALL
)
_PEM_HINTS = {
    "RSA PRIVATE KEY": "it is a PKCS#1 RSA key; convert it with "
    "`openssl pkcs8 -topk8 -nocrypt` to the PKCS#8 form KMS uses",
    "EC PRIVATE KEY": "it is a SEC1 EC key; convert it with "
    "`openssl pkcs8 -topk8 -nocrypt` to the PKCS#8 form KMS uses",
    "ENCRYPTED PRIVATE KEY": "it is password-encrypted; decrypt it first "
    "(`openssl pkcs8 -nocrypt`), KMS returns unencrypted PKCS#8",
    "RSA PUBLIC KEY": "it is a PKCS#1 RSA public key; KMS uses SubjectPublicKeyInfo "
    "(`openssl rsa -RSAPublicKey_in -pubout`)",
    "CERTIFICATE": "it is a certificate, not a bare key; extract the key with "
    "`openssl x509 -pubkey -noout`",
    "PRIVATE KEY": "it is a private key (PKCS#8); load it as a private key",
    "PUBLIC KEY": "it is a public key (SubjectPublicKeyInfo); load it as a public key",
}


def _unwrap(data: bytes | str, label: str) -> bytes:
    """DER bytes from DER, PEM (with the expected label) or base64 of DER."""
    kind = "public" if label == "PUBLIC KEY" else "private"
    if isinstance(data, str):
        try:
            raw = data.encode("ascii")
        except UnicodeEncodeError:
            raise KeyFormatError(
                f"the {kind} key text is not PEM or base64 (it has non-ASCII characters)"
            ) from None
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise KeyFormatError(f"a {kind} key must be bytes or text, not {type(data).__name__}")
    if not isinstance(data, str) and raw[:1] == bytes([_der.SEQUENCE]):
        return raw  # binary DER (never stripped: its last bytes may look like whitespace)
    stripped = raw.strip()
    if not stripped:
        raise KeyFormatError(f"the {kind} key is empty")
    if b"-----BEGIN" in stripped:  # PEM, possibly after lines of explanation
        text = stripped.decode("ascii", errors="replace")
        match = _PEM_RE.search(text)
        if match is None or match.group(1) != match.group(3):
            raise KeyFormatError(f"the {kind} key PEM is malformed (BEGIN/END lines do not match)")
        found = match.group(1)
        if found != label:
            hint = _PEM_HINTS.get(found, "it is not a key in the form KMS uses")
            raise KeyFormatError(
                f"expected a PEM block labelled '{label}', found '{found}': {hint}"
            )
        body = match.group(2)
        if ":" in body:
            raise KeyFormatError(
                "PEM headers (Proc-Type/DEK-Info: legacy encryption) are not supported"
            )
        try:
            return base64.b64decode("".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            raise KeyFormatError(f"the {kind} key PEM body is not valid base64") from None
    try:
        decoded = base64.b64decode(b"".join(stripped.split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(f"the {kind} key is neither DER, PEM nor base64 of DER") from None
    if decoded[:1] != bytes([_der.SEQUENCE]):
        raise KeyFormatError(f"the base64 text does not decode to a DER {kind} key")
    return decoded


# --------------------------------------------------------------------------- identification


def _algorithm(element: _der.Element, what: str) -> tuple[str, list[_der.Element]]:
    items = _der.children(_der.expect(element, _der.SEQUENCE, what), what)
    if not items:
        raise KeyFormatError(f"{what}: empty AlgorithmIdentifier")
    return _der.read_oid(items[0], what), items[1:]


def _identify(oid: str, params: list[_der.Element], what: str) -> str:
    """The spec for an algorithm identifier, or "RSA" (the size decides), or KeyFormatError."""
    if oid == OID_RSA:
        if params and not (len(params) == 1 and params[0].tag == _der.NULL):
            raise KeyFormatError(f"{what}: rsaEncryption parameters must be NULL")
        return "RSA"
    if oid == OID_EC_PUBLIC_KEY:
        if len(params) != 1:
            raise KeyFormatError(f"{what}: an EC key must name its curve")
        if params[0].tag == _der.SEQUENCE:
            raise KeyFormatError(
                f"{what}: the EC key spells out explicit curve parameters; "
                "KMS keys use a named curve"
            )
        curve = _der.read_oid(params[0], f"{what} curve")
        if curve in EC_CURVE_SPECS:
            return EC_CURVE_SPECS[curve]
        name = _OTHER_CURVES.get(curve, f"with OID {curve}")
        raise KeyFormatError(
            f"an EC key on the curve {name} is not a KMS data key pair spec "
            "(supported curves: P-256, P-384, P-521, secp256k1, SM2)"
        )
    if oid == OID_SM2:  # the variant with sm2 as the algorithm OID
        if params and not (
            len(params) == 1
            and (
                params[0].tag == _der.NULL
                or (
                    params[0].tag == _der.OBJECT_IDENTIFIER
                    and _der.read_oid(params[0], what) == OID_SM2
                )
            )
        ):
            raise KeyFormatError(f"{what}: unexpected parameters for the sm2 algorithm")
        return "SM2"
    if oid == OID_ED25519:
        if params:
            raise KeyFormatError(f"{what}: Ed25519 keys have no algorithm parameters (RFC 8410)")
        return "ECC_NIST_EDWARDS25519"
    if oid in mlkem.BY_OID:
        return mlkem.BY_OID[oid].spec
    if oid in _OTHER_ALGORITHMS:
        raise KeyFormatError(
            f"a {_OTHER_ALGORITHMS[oid]} key is not a KMS data key pair spec (valid: {_VALID})"
        )
    raise KeyFormatError(f"{what}: unknown key algorithm (OID {oid})")


def _rsa_spec(bits: int) -> str:
    if bits not in _RSA_SPECS:
        raise KeyFormatError(
            f"an RSA key with a {bits}-bit modulus is not a KMS data key pair spec "
            "(RSA_2048, RSA_3072 or RSA_4096)"
        )
    return _RSA_SPECS[bits]


def _parse_public(der: bytes) -> tuple[str, PublicKeyObject]:
    what = "public key"
    try:
        items = _der.sequence_of(der, what)
        if items and items[0].tag == _der.INTEGER:
            raise KeyFormatError(
                "this is a private key (or a PKCS#1 structure), not a public key "
                "(SubjectPublicKeyInfo)"
            )
        if len(items) != 2:
            raise KeyFormatError(
                "a public key (SubjectPublicKeyInfo) is SEQUENCE { algorithm, key }; "
                f"this SEQUENCE has {len(items)} elements"
            )
        oid, params = _algorithm(items[0], what)
        key_bits = _der.read_bit_string(items[1], f"{what} bits")
    except _der.DerError as exc:
        raise KeyFormatError(f"not a valid public key: {exc}") from None
    spec = _identify(oid, params, what)
    try:
        if spec == "SM2":
            return spec, sm2.PublicKey(sm2.decode_point(key_bits))
        if spec in mlkem.PARAMS:
            return spec, mlkem.parse_public(mlkem.PARAMS[spec], params, key_bits)
        key = serialization.load_der_public_key(der)
    except (sm2.SM2Error, mlkem.MLKEMError) as exc:
        raise KeyFormatError(f"not a valid {spec} public key: {exc}") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"not a valid public key: {exc}") from None
    if spec == "RSA" and isinstance(key, rsa.RSAPublicKey):
        return _rsa_spec(key.key_size), key
    if spec in _CRYPTOGRAPHY_CURVES and isinstance(key, ec.EllipticCurvePublicKey):
        return spec, key
    if spec == "ECC_NIST_EDWARDS25519" and isinstance(key, ed25519.Ed25519PublicKey):
        return spec, key
    raise KeyFormatError(f"the public key does not match its algorithm identifier ({spec})")


def _check_rsa_consistency(key: rsa.RSAPrivateKey) -> None:
    """The RSA private key's numbers fit together (n = pq, e*d = 1 mod lcm(p-1, q-1), and the
    CRT values). OpenSSL's own check adds primality tests of p and q, which take about half a
    second for RSA_4096 on every load; we skip those (an accidentally corrupted key fails the
    equations below; a deliberately crafted one harms only its holder) and keep the rest."""
    numbers = key.private_numbers()
    p, q, d = numbers.p, numbers.q, numbers.d
    e, n = numbers.public_numbers.e, numbers.public_numbers.n
    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1) if p > 2 and q > 2 else 0
    if not (
        p > 2
        and q > 2
        and p * q == n
        and e > 1
        and e % 2 == 1
        and lam
        and (d * e) % lam == 1
        and numbers.dmp1 == d % (p - 1)
        and numbers.dmq1 == d % (q - 1)
        and (numbers.iqmp * q) % p == 1
    ):
        raise ValueError("the RSA private key values are inconsistent")


def _parse_private(der: bytes) -> tuple[str, PrivateKeyObject]:
    what = "private key"
    try:
        items = _der.sequence_of(der, what)
        if len(items) == 2 and items[0].tag == _der.SEQUENCE:
            if items[1].tag == _der.BIT_STRING:
                raise KeyFormatError(
                    "this is a public key (SubjectPublicKeyInfo), not a private key"
                )
            raise KeyFormatError(
                "this is a password-encrypted PKCS#8 key (EncryptedPrivateKeyInfo); "
                "KMS returns unencrypted PKCS#8"
            )
        if len(items) >= 9 and all(i.tag == _der.INTEGER for i in items[:9]):
            raise KeyFormatError(
                "this is a PKCS#1 RSAPrivateKey, not PKCS#8; convert it with "
                "`openssl pkcs8 -topk8 -nocrypt`"
            )
        if len(items) >= 2 and items[0].tag == _der.INTEGER and items[1].tag == _der.OCTET_STRING:
            raise KeyFormatError(
                "this is a SEC1 ECPrivateKey, not PKCS#8; convert it with "
                "`openssl pkcs8 -topk8 -nocrypt`"
            )
        if len(items) < 3:
            raise KeyFormatError(
                "a private key (PKCS#8) is SEQUENCE { version, algorithm, privateKey, ... }"
            )
        version = _der.read_integer(items[0], f"{what} version")
        if version not in (0, 1):
            raise KeyFormatError(f"{what}: unsupported PKCS#8 version {version}")
        oid, params = _algorithm(items[1], what)
        private_octets = _der.read_octet_string(items[2], f"{what} privateKey")
        for extra in items[3:]:
            if extra.tag not in (_der.context_tag(0), _der.context_tag(1, constructed=False)):
                raise KeyFormatError(f"{what}: unexpected {_der.tag_name(extra.tag)} element")
    except _der.DerError as exc:
        raise KeyFormatError(f"not a valid private key: {exc}") from None
    spec = _identify(oid, params, what)
    try:
        if spec == "SM2":
            return spec, sm2.PrivateKey(sm2.parse_ec_private_key(private_octets))
        if spec in mlkem.PARAMS:
            return spec, mlkem.parse_private(mlkem.PARAMS[spec], params, private_octets)
        key = serialization.load_der_private_key(
            der, password=None, unsafe_skip_rsa_key_validation=True
        )
        if isinstance(key, rsa.RSAPrivateKey):
            _check_rsa_consistency(key)
    except (sm2.SM2Error, mlkem.MLKEMError) as exc:
        raise KeyFormatError(f"not a valid {spec} private key: {exc}") from None
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"not a valid private key: {exc}") from None
    if spec == "RSA" and isinstance(key, rsa.RSAPrivateKey):
        return _rsa_spec(key.key_size), key
    if spec in _CRYPTOGRAPHY_CURVES and isinstance(key, ec.EllipticCurvePrivateKey):
        return spec, key
    if spec == "ECC_NIST_EDWARDS25519" and isinstance(key, ed25519.Ed25519PrivateKey):
        return spec, key
    raise KeyFormatError(f"the private key does not match its algorithm identifier ({spec})")


def public_of(key: PrivateKeyObject) -> PublicKeyObject:
    return key.public_key()


def canonical_spki(key: PublicKeyObject) -> bytes:
    """The SubjectPublicKeyInfo DER in the form KMS returns."""
    if isinstance(key, sm2.PublicKey | mlkem.PublicKey):
        return key.spki()
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --------------------------------------------------------------------------- JWK


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64url(value: int, size: int | None = None) -> str:
    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return _b64url(value.to_bytes(length, "big"))


def jwk_of(spec: str, key: PublicKeyObject) -> dict[str, str]:
    if isinstance(key, rsa.RSAPublicKey):  # RFC 7518 6.3
        numbers = key.public_numbers()
        return {"kty": "RSA", "n": _int_b64url(numbers.n), "e": _int_b64url(numbers.e)}
    if isinstance(key, ec.EllipticCurvePublicKey):  # RFC 7518 6.2; RFC 8812 for secp256k1
        numbers = key.public_numbers()
        size = (key.curve.key_size + 7) // 8
        return {
            "kty": "EC",
            "crv": _JWK_CURVES[spec],
            "x": _int_b64url(numbers.x, size),
            "y": _int_b64url(numbers.y, size),
        }
    if isinstance(key, ed25519.Ed25519PublicKey):  # RFC 8037
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}
    if isinstance(key, sm2.PublicKey):
        # No registered JOSE curve name exists for SM2. We use the EC form with crv "SM2",
        # the name Chinese JOSE libraries use; other tools may not accept it.
        return {
            "kty": "EC",
            "crv": "SM2",
            "x": _int_b64url(key.point[0], 32),
            "y": _int_b64url(key.point[1], 32),
        }
    # ML-KEM: no registered JWK form yet. We follow the IETF drafts: key type "AKP" (algorithm
    # key pair, draft-ietf-cose-dilithium) with the algorithm name and the encapsulation key
    # in "pub" (draft-ietf-jose-pqc-kem). Other tools may not accept it.
    return {"kty": "AKP", "alg": key.params.name, "pub": _b64url(key.ek)}


# --------------------------------------------------------------------------- public API


def _fingerprint_hex(der: bytes) -> str:
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


@dataclass(frozen=True)
class PublicKeyInfo:
    """A loaded public key: its spec, its DER SubjectPublicKeyInfo and what can be shown."""

    spec: str
    der: bytes
    _key: PublicKeyObject = field(repr=False, compare=False)

    @property
    def pem(self) -> str:
        body = base64.encodebytes(self.der).decode("ascii").replace("\n", "")
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"

    @property
    def fingerprint_hex(self) -> str:
        """SHA-256 of the SPKI DER as "AB:CD:..."."""
        return _fingerprint_hex(self.der)

    @property
    def fingerprint_b64(self) -> str:
        """SHA-256 of the SPKI DER in standard base64 (with padding)."""
        return base64.b64encode(hashlib.sha256(self.der).digest()).decode("ascii")

    @property
    def summary(self) -> str:
        spec = SPECS[self.spec]
        if spec.family is Family.RSA:
            assert isinstance(self._key, rsa.RSAPublicKey)
            exponent = self._key.public_numbers().e
            return f"RSA {spec.key_bits}-bit public key (exponent {exponent})"
        if spec.family is Family.ECC:
            return f"ECC {spec.size} public key"
        if spec.family is Family.SM2:
            return "SM2 (sm2p256v1) public key"
        if spec.family is Family.EDDSA:
            return "Ed25519 (edwards25519) public key"
        return f"{spec.size} public key"

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 7517): RSA, EC and OKP per RFC 7518/8037/8812; SM2 and
        ML-KEM in the closest unregistered forms (see ``jwk_of``)."""
        return jwk_of(self.spec, self._key)


@dataclass(frozen=True)
class PrivateKeyInfo:
    """A loaded private key. ``der`` (PKCS#8) is hidden from repr."""

    spec: str
    der: bytes = field(repr=False)
    public_der: bytes
    _key: PrivateKeyObject = field(repr=False, compare=False)

    def public_key(self) -> PublicKeyInfo:
        return PublicKeyInfo(self.spec, self.public_der, public_of(self._key))


def load_public_key(data: bytes | str) -> PublicKeyInfo:
    """A public key from DER, PEM ("PUBLIC KEY") or base64 of DER; ``KeyFormatError`` when it is
    not a SubjectPublicKeyInfo of one of the twelve data key pair specs."""
    der = _unwrap(data, "PUBLIC KEY")
    try:
        spec, key = _parse_public(der)
    except _der.DerError as exc:
        raise KeyFormatError(f"not a valid public key: {exc}") from None
    return PublicKeyInfo(spec, der, key)


def load_private_key(data: bytes | str) -> PrivateKeyInfo:
    """A private key from DER, PEM ("PRIVATE KEY") or base64 of DER; ``KeyFormatError`` when it
    is not an unencrypted PKCS#8 key of one of the twelve data key pair specs."""
    der = _unwrap(data, "PRIVATE KEY")
    try:
        spec, key = _parse_private(der)
    except _der.DerError as exc:
        raise KeyFormatError(f"not a valid private key: {exc}") from None
    return PrivateKeyInfo(spec, der, canonical_spki(public_of(key)), key)


def spec_of_public_key(public_der: bytes | str) -> str:
    return load_public_key(public_der).spec


def spec_of_private_key(private_der: bytes | str) -> str:
    return load_private_key(private_der).spec


def keys_match(private_der: bytes | str, public_der: bytes | str) -> bool:
    """True when the public key belongs to the private key. Raises ``KeyFormatError`` when
    either is not a readable key."""
    private = load_private_key(private_der)
    public = load_public_key(public_der)
    return private.spec == public.spec and private.public_der == canonical_spki(public._key)
