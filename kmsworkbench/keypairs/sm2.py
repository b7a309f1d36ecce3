"""SM2 (GB/T 32918, GM/T 0003) on the recommended curve sm2p256v1, in pure Python.

pyca/cryptography has SM3 but no SM2, so this module implements what a KMS SM2 data key pair
is used for:

* the curve arithmetic (Jacobian coordinates over a prime field; the curve is a parameter so
  the standard's examples on its 256-bit test curve can be checked too);
* key generation from the operating system's secure random source (``secrets``);
* SM2DSA with SM3 and the distinguishing identifier ``1234567812345678`` by default (GM/T 0009;
  the one KMS uses for ``MessageType=RAW``), or any other identifier up to 8191 bytes;
* SM2 public key encryption (SM2PKE) with the key derivation function of GB/T 32918.4 and the
  ASN.1 ciphertext ``SEQUENCE { INTEGER x1, INTEGER y1, OCTET STRING C3, OCTET STRING C2 }``
  (GM/T 0009 order, "C1C3C2"), which is what KMS and OpenSSL use;
* the SubjectPublicKeyInfo and PKCS#8 encodings, byte-identical to OpenSSL 3.0's.

Nonces: signing and encryption draw a fresh random ``k`` from ``secrets`` for every operation
(not RFC 6979-style deterministic nonces). The ``k`` parameters below exist only so that
known-answer tests can replay the standard's examples; callers never pass them.

NOT CONSTANT-TIME. Python integers leak timing through their arithmetic, and the scalar
multiplication branches on the bits of the scalar. That is acceptable here because this is a
teaching and testing workbench: the SM2 keys it handles are test data keys held in local
memory for a person at a terminal, and nothing here is a network-facing oracle that an attacker
could time. Do not reuse this module to protect real secrets on a server.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes

from . import _der

SM2_OID = "1.2.156.10197.1.301"  # the curve sm2p256v1, and (in some encoders) the algorithm
EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"  # id-ecPublicKey
DEFAULT_ID = b"1234567812345678"  # GM/T 0009-2012; the ID KMS uses for MessageType=RAW
MAX_ID_BYTES = 8191  # ENTL is a 16-bit count of bits


@dataclass(frozen=True, slots=True)
class Curve:
    """A short Weierstrass curve y^2 = x^3 + ax + b over GF(p) with a base point of order n."""

    name: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int

    @property
    def byte_length(self) -> int:
        return (self.p.bit_length() + 7) // 8

    @property
    def generator(self) -> tuple[int, int]:
        return (self.gx, self.gy)


# GB/T 32918.5-2017 / GM/T 0003.5-2012, the recommended curve.
SM2P256V1 = Curve(
    name="sm2p256v1",
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
)

Point = tuple[int, int]  # affine coordinates; the point at infinity is None
_Jacobian = tuple[int, int, int]  # (X, Y, Z) with x = X/Z^2, y = Y/Z^3; Z == 0 is infinity


class SM2Error(ValueError):
    """A point, key, signature or ciphertext is invalid for SM2."""


# --------------------------------------------------------------------------- arithmetic


def is_on_curve(point: Point, curve: Curve = SM2P256V1) -> bool:
    x, y = point
    p = curve.p
    if not (0 <= x < p and 0 <= y < p):
        return False
    return (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def _double(pt: _Jacobian, curve: Curve) -> _Jacobian:
    x1, y1, z1 = pt
    p = curve.p
    if z1 == 0 or y1 == 0:
        return (1, 1, 0)
    yy = y1 * y1 % p
    s = 4 * x1 * yy % p
    zz = z1 * z1 % p
    m = (3 * x1 * x1 + curve.a * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    y3 = (m * (s - x3) - 8 * yy * yy) % p
    z3 = 2 * y1 * z1 % p
    return (x3, y3, z3)


def _add(p1: _Jacobian, p2: _Jacobian, curve: Curve) -> _Jacobian:
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    p = curve.p
    z1z1 = z1 * z1 % p
    z2z2 = z2 * z2 % p
    u1 = x1 * z2z2 % p
    u2 = x2 * z1z1 % p
    s1 = y1 * z2 * z2z2 % p
    s2 = y2 * z1 * z1z1 % p
    if u1 == u2:
        if s1 == s2:
            return _double(p1, curve)
        return (1, 1, 0)
    h = (u2 - u1) % p
    r = (s2 - s1) % p
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - s1 * hhh) % p
    z3 = h * z1 * z2 % p
    return (x3, y3, z3)


def _to_affine(pt: _Jacobian, curve: Curve) -> Point | None:
    x, y, z = pt
    if z == 0:
        return None
    p = curve.p
    zinv = pow(z, -1, p)
    zinv2 = zinv * zinv % p
    return (x * zinv2 % p, y * zinv2 * zinv % p)


def _multiply_jacobian(k: int, point: Point, curve: Curve) -> _Jacobian:
    result: _Jacobian = (1, 1, 0)
    addend: _Jacobian = (point[0], point[1], 1)
    for bit in bin(k)[2:]:
        result = _double(result, curve)
        if bit == "1":
            result = _add(result, addend, curve)
    return result


def multiply(k: int, point: Point, curve: Curve = SM2P256V1) -> Point | None:
    """k * point (None for the point at infinity)."""
    k %= curve.n
    if k == 0:
        return None
    return _to_affine(_multiply_jacobian(k, point, curve), curve)


def _multiply_add(k1: int, p1: Point, k2: int, p2: Point, curve: Curve) -> Point | None:
    """k1 * p1 + k2 * p2."""
    total = _add(
        _multiply_jacobian(k1 % curve.n, p1, curve),
        _multiply_jacobian(k2 % curve.n, p2, curve),
        curve,
    )
    return _to_affine(total, curve)


# --------------------------------------------------------------------------- keys


def public_point(d: int, curve: Curve = SM2P256V1) -> Point:
    if not 1 <= d <= curve.n - 2:
        raise SM2Error("the SM2 private key is out of range [1, n-2]")
    point = multiply(d, curve.generator, curve)
    if point is None:  # impossible for d in range; kept as a guard
        raise SM2Error("the SM2 private key gives the point at infinity")
    return point


def generate_private_key(curve: Curve = SM2P256V1) -> int:
    """A private key d drawn uniformly from [1, n-2] with ``secrets``."""
    return 1 + secrets.randbelow(curve.n - 2)


def encode_point(point: Point, curve: Curve = SM2P256V1) -> bytes:
    size = curve.byte_length
    return b"\x04" + point[0].to_bytes(size, "big") + point[1].to_bytes(size, "big")


def decode_point(data: bytes, curve: Curve = SM2P256V1) -> Point:
    """An uncompressed (04) or compressed (02/03) point, checked to lie on the curve."""
    size = curve.byte_length
    if len(data) == 1 + 2 * size and data[0] == 0x04:
        point = (int.from_bytes(data[1 : 1 + size], "big"), int.from_bytes(data[1 + size :], "big"))
    elif len(data) == 1 + size and data[0] in (0x02, 0x03):
        x = int.from_bytes(data[1:], "big")
        p = curve.p
        if x >= p or p % 4 != 3:
            raise SM2Error("the compressed SM2 point is invalid")
        rhs = (x * x * x + curve.a * x + curve.b) % p
        y = pow(rhs, (p + 1) // 4, p)
        if y * y % p != rhs:
            raise SM2Error("the compressed SM2 point is not on the curve")
        if (y & 1) != (data[0] & 1):
            y = p - y
        point = (x, y)
    else:
        raise SM2Error(
            f"an SM2 public key point is 65 bytes (04 || x || y) or 33 bytes compressed; "
            f"got {len(data)} bytes"
        )
    if not is_on_curve(point, curve):
        raise SM2Error("the SM2 public key point is not on the curve sm2p256v1")
    return point


# --------------------------------------------------------------------------- SM3 helpers


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _int_bytes(value: int, curve: Curve) -> bytes:
    return value.to_bytes(curve.byte_length, "big")


def z_a(public: Point, distid: bytes = DEFAULT_ID, curve: Curve = SM2P256V1) -> bytes:
    """Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2, 5.5)."""
    if len(distid) > MAX_ID_BYTES:
        raise SM2Error(f"an SM2 distinguishing ID is at most {MAX_ID_BYTES} bytes")
    entl = (len(distid) * 8).to_bytes(2, "big")
    return sm3(
        entl
        + distid
        + b"".join(_int_bytes(v, curve) for v in (curve.a, curve.b, curve.gx, curve.gy))
        + _int_bytes(public[0], curve)
        + _int_bytes(public[1], curve)
    )


def message_digest(
    public: Point, message: bytes, distid: bytes = DEFAULT_ID, curve: Curve = SM2P256V1
) -> bytes:
    """e = SM3(Z_A || M): what SM2DSA signs, and what KMS expects as ``MessageType=DIGEST``."""
    return sm3(z_a(public, distid, curve) + message)


# --------------------------------------------------------------------------- SM2DSA


def sign_digest(
    d: int, digest: bytes, curve: Curve = SM2P256V1, *, k: int | None = None
) -> tuple[int, int]:
    """Sign e (32 bytes). Returns (r, s). ``k`` is for known-answer tests only."""
    if len(digest) != 32:
        raise SM2Error(f"an SM2DSA digest is 32 bytes (SM3); got {len(digest)}")
    if not 1 <= d <= curve.n - 2:
        raise SM2Error("the SM2 private key is out of range [1, n-2]")
    n = curve.n
    e = int.from_bytes(digest, "big")
    inv = pow(1 + d, -1, n)
    while True:
        nonce = k if k is not None else 1 + secrets.randbelow(n - 1)
        point = multiply(nonce, curve.generator, curve)
        if point is None:  # pragma: no cover - nonce is in [1, n-1]
            raise SM2Error("invalid nonce")
        r = (e + point[0]) % n
        s = inv * (nonce - r * d) % n if r != 0 and r + nonce != n else 0
        if r != 0 and s != 0:
            return r, s
        if k is not None:
            raise SM2Error("the given nonce does not give a valid signature")


def verify_digest(public: Point, digest: bytes, r: int, s: int, curve: Curve = SM2P256V1) -> bool:
    n = curve.n
    if len(digest) != 32 or not (1 <= r < n and 1 <= s < n):
        return False
    t = (r + s) % n
    if t == 0:
        return False
    point = _multiply_add(s, curve.generator, t, public, curve)
    if point is None:
        return False
    return (int.from_bytes(digest, "big") + point[0]) % n == r


def sign(
    d: int, message: bytes, distid: bytes = DEFAULT_ID, curve: Curve = SM2P256V1
) -> tuple[int, int]:
    return sign_digest(d, message_digest(public_point(d, curve), message, distid, curve), curve)


def verify(
    public: Point,
    message: bytes,
    r: int,
    s: int,
    distid: bytes = DEFAULT_ID,
    curve: Curve = SM2P256V1,
) -> bool:
    return verify_digest(public, message_digest(public, message, distid, curve), r, s, curve)


def encode_signature(r: int, s: int) -> bytes:
    """DER ``SEQUENCE { INTEGER r, INTEGER s }``, as KMS, OpenSSL and Bouncy Castle use."""
    return _der.sequence(_der.integer(r), _der.integer(s))


def decode_signature(signature: bytes) -> tuple[int, int]:
    """(r, s) from a DER signature; ``SM2Error`` when it is anything else."""
    try:
        items = _der.sequence_of(signature, "SM2 signature")
        if len(items) != 2:
            raise SM2Error("an SM2 signature is a SEQUENCE of two INTEGERs")
        r = _der.read_integer(items[0], "SM2 signature r")
        s = _der.read_integer(items[1], "SM2 signature s")
    except _der.DerError as exc:
        raise SM2Error(str(exc)) from None
    return r, s


# --------------------------------------------------------------------------- SM2PKE


def kdf(z: bytes, length: int) -> bytes:
    """The key derivation function of GB/T 32918.4, 5.4.3, with SM3."""
    out = bytearray()
    counter = 1
    while len(out) < length:
        out += sm3(z + counter.to_bytes(4, "big"))
        counter += 1
    return bytes(out[:length])


@dataclass(frozen=True, slots=True)
class Ciphertext:
    x1: int
    y1: int
    c3: bytes  # SM3(x2 || M || y2)
    c2: bytes  # M xor KDF(x2 || y2)

    def encode(self) -> bytes:
        """ASN.1 C1C3C2 (GM/T 0009): SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3,
        OCTET STRING C2 }."""
        return _der.sequence(
            _der.integer(self.x1),
            _der.integer(self.y1),
            _der.octet_string(self.c3),
            _der.octet_string(self.c2),
        )

    @classmethod
    def decode(cls, data: bytes) -> Ciphertext:
        try:
            items = _der.sequence_of(data, "SM2 ciphertext")
            if len(items) != 4:
                raise SM2Error(
                    "an SM2 ciphertext is SEQUENCE { x, y, C3, C2 } (ASN.1, C1C3C2 order)"
                )
            x1 = _der.read_integer(items[0], "SM2 ciphertext x")
            y1 = _der.read_integer(items[1], "SM2 ciphertext y")
            c3 = _der.read_octet_string(items[2], "SM2 ciphertext C3")
            c2 = _der.read_octet_string(items[3], "SM2 ciphertext C2")
        except _der.DerError as exc:
            raise SM2Error(str(exc)) from None
        return cls(x1, y1, c3, c2)


def encrypt(
    public: Point, plaintext: bytes, curve: Curve = SM2P256V1, *, k: int | None = None
) -> Ciphertext:
    """SM2 encryption (GB/T 32918.4, 6.1). ``k`` is for known-answer tests only."""
    if not plaintext:
        raise SM2Error("SM2 encryption needs at least one byte of plaintext")
    if not is_on_curve(public, curve):
        raise SM2Error("the SM2 public key point is not on the curve")
    n = curve.n
    while True:
        nonce = k if k is not None else 1 + secrets.randbelow(n - 1)
        c1 = multiply(nonce, curve.generator, curve)
        shared = multiply(nonce, public, curve)
        if c1 is None or shared is None:  # pragma: no cover - public has order n
            raise SM2Error("invalid SM2 public key")
        x2 = _int_bytes(shared[0], curve)
        y2 = _int_bytes(shared[1], curve)
        t = kdf(x2 + y2, len(plaintext))
        if any(t):
            break
        if k is not None:  # pragma: no cover - probability 2^-(8*len)
            raise SM2Error("the given nonce gives an all-zero key stream")
    c2 = bytes(m ^ b for m, b in zip(plaintext, t, strict=True))
    c3 = sm3(x2 + plaintext + y2)
    return Ciphertext(c1[0], c1[1], c3, c2)


def decrypt(d: int, ciphertext: Ciphertext, curve: Curve = SM2P256V1) -> bytes:
    """SM2 decryption (GB/T 32918.4, 7.1), checking C3. ``SM2Error`` when it fails."""
    c1 = (ciphertext.x1, ciphertext.y1)
    if not is_on_curve(c1, curve):
        raise SM2Error("C1 is not a point on the curve")
    if not ciphertext.c2 or len(ciphertext.c3) != 32:
        raise SM2Error("C2 is empty or C3 is not an SM3 hash")
    shared = multiply(d, c1, curve)
    if shared is None:
        raise SM2Error("C1 gives the point at infinity")
    x2 = _int_bytes(shared[0], curve)
    y2 = _int_bytes(shared[1], curve)
    t = kdf(x2 + y2, len(ciphertext.c2))
    if not any(t):
        raise SM2Error("the derived key stream is all zero")
    plaintext = bytes(c ^ b for c, b in zip(ciphertext.c2, t, strict=True))
    if not secrets.compare_digest(sm3(x2 + plaintext + y2), ciphertext.c3):
        raise SM2Error("C3 does not match: wrong key, or the ciphertext was changed")
    return plaintext


# --------------------------------------------------------------------------- encodings


def _algorithm_identifier() -> bytes:
    return _der.sequence(_der.oid(EC_PUBLIC_KEY_OID), _der.oid(SM2_OID))


def public_key_to_spki(public: Point) -> bytes:
    """SubjectPublicKeyInfo as OpenSSL 3.0 writes it (91 bytes): id-ecPublicKey with the
    named curve sm2, and the uncompressed point."""
    return _der.sequence(_algorithm_identifier(), _der.bit_string(encode_point(public)))


def private_key_to_pkcs8(d: int) -> bytes:
    """PKCS#8 PrivateKeyInfo as OpenSSL 3.0 writes it (138 bytes): version 0, id-ecPublicKey
    with sm2, and an RFC 5915 ECPrivateKey with the 32-byte key and the ``[1]`` public key but
    no ``[0]`` parameters (they are in the AlgorithmIdentifier already)."""
    public = public_point(d)
    ec_private_key = _der.sequence(
        _der.integer(1),
        _der.octet_string(_int_bytes(d, SM2P256V1)),
        _der.explicit(1, _der.bit_string(encode_point(public))),
    )
    return _der.sequence(
        _der.integer(0), _algorithm_identifier(), _der.octet_string(ec_private_key)
    )


def parse_ec_private_key(data: bytes) -> int:
    """d from the RFC 5915 ECPrivateKey inside an SM2 PKCS#8 key. The optional ``[0]``
    parameters must name sm2 if present; the optional ``[1]`` public key must match d."""
    what = "SM2 ECPrivateKey"
    try:
        items = _der.sequence_of(data, what)
        if len(items) < 2:
            raise SM2Error(f"{what}: expected version and private key")
        if _der.read_integer(items[0], f"{what} version") != 1:
            raise SM2Error(f"{what}: version must be 1")
        raw = _der.read_octet_string(items[1], f"{what} key")
        public_bits: bytes | None = None
        seen: set[int] = set()
        for item in items[2:]:
            if item.tag == _der.context_tag(0) and 0 not in seen and 1 not in seen:
                inner = _der.children(item, f"{what} [0]")
                if len(inner) != 1 or _der.read_oid(inner[0], f"{what} [0]") != SM2_OID:
                    raise SM2Error(f"{what}: the [0] parameters name a curve other than sm2")
                seen.add(0)
            elif item.tag == _der.context_tag(1) and 1 not in seen:
                inner = _der.children(item, f"{what} [1]")
                if len(inner) != 1:
                    raise SM2Error(f"{what}: [1] must hold one BIT STRING")
                public_bits = _der.read_bit_string(inner[0], f"{what} [1]")
                seen.add(1)
            else:
                raise SM2Error(f"{what}: unexpected {_der.tag_name(item.tag)} element")
    except _der.DerError as exc:
        raise SM2Error(str(exc)) from None
    if not 1 <= len(raw) <= 32:
        raise SM2Error(f"{what}: the private key must be 32 bytes, got {len(raw)}")
    d = int.from_bytes(raw, "big")
    public = public_point(d)  # raises for d out of range
    if public_bits is not None and decode_point(public_bits) != public:
        raise SM2Error(f"{what}: the embedded public key does not belong to the private key")
    return d


# --------------------------------------------------------------------------- key objects


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An SM2 public key on sm2p256v1."""

    point: Point

    def spki(self) -> bytes:
        return public_key_to_spki(self.point)


@dataclass(frozen=True, slots=True)
class PrivateKey:
    """An SM2 private key on sm2p256v1 (d is hidden from repr)."""

    d: int = field(repr=False)

    def public_key(self) -> PublicKey:
        return PublicKey(public_point(self.d))

    def pkcs8(self) -> bytes:
        return private_key_to_pkcs8(self.d)

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(generate_private_key())
