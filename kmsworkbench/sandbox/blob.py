"""The sandbox's symmetric ciphertext blob: a versioned, self-describing format.

AWS documents its own blob only as opaque ("The blob includes metadata", which includes the
key id, so Decrypt works without a KeyId). Ours, version 1, byte by byte::

    offset  size  field
    0       4     magic b"KWB\\x00"            (kmsworkbench blob)
    4       1     version, 0x01
    5       1     n = length of the Region name (ASCII), 1..32
    6       n     Region name, e.g. b"us-east-1"
    6+n     1     m = length of the key id (ASCII), 1..64
    7+n     m     key id: a UUID (36 chars) or "mrk-" + 32 hex
    7+n+m   32    key material id (the 64-hex KeyMaterialId, as 32 raw bytes)
    39+n+m  12    AES-GCM nonce (random)
    51+n+m  ...   AES-256-GCM ciphertext of the plaintext, followed by the 16-byte tag

The header (everything before the ciphertext) tells Decrypt which key and which key material
to use, and binds the blob to its Region and key. The AAD of AES-GCM is::

    AAD = header || encode_context(encryption_context)

so changing any header byte (another key id, Region or material) or the context makes the tag
check fail (InvalidCiphertextException).

``encode_context`` is injective on ``dict[str, str]``: it writes the number of pairs as a
4-byte big-endian integer, then for every pair, sorted by the UTF-8 bytes of the key, the key
and the value each as (4-byte big-endian length, UTF-8 bytes). Reading those lengths back
recovers every key and value exactly (a prefix code: no two encodings can be confused, since
each field's extent is fixed by its length before its bytes are read), so two different
contexts can never produce the same bytes -- unlike the concatenation of keys and values that
moto, LocalStack and local-kms use, where {"app": "wb", "env": "dev"} and {"ap": "pwbenvdev"}
collide. Sorting makes the encoding independent of the order of the pairs, which is AWS's
rule; keys and values are compared exactly, so case matters. A missing context and an empty
one both encode as four zero bytes: AWS treats them alike.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"KWB\x00"
VERSION = 1
NONCE_SIZE = 12
TAG_SIZE = 16
MATERIAL_ID_SIZE = 32
MAX_REGION = 32
MAX_KEY_ID = 64


class BlobError(ValueError):
    """The bytes are not a blob of ours, or it does not authenticate."""


@dataclass(frozen=True, slots=True)
class BlobHeader:
    region: str
    key_id: str
    material_id: str  # 64 lowercase hex characters
    nonce: bytes
    header_bytes: bytes  # the exact header as it appears in the blob
    body: bytes  # ciphertext || tag


def encode_context(context: dict[str, str] | None) -> bytes:
    """The injective, order-independent encoding of an encryption context (see above)."""
    items = sorted(
        ((k.encode("utf-8"), v.encode("utf-8")) for k, v in (context or {}).items()),
        key=lambda kv: kv[0],
    )
    parts = [struct.pack(">I", len(items))]
    for key, value in items:
        parts.append(struct.pack(">I", len(key)))
        parts.append(key)
        parts.append(struct.pack(">I", len(value)))
        parts.append(value)
    return b"".join(parts)


def _header(region: str, key_id: str, material_id: str, nonce: bytes) -> bytes:
    region_b = region.encode("ascii")
    key_b = key_id.encode("ascii")
    if not 0 < len(region_b) <= MAX_REGION or not 0 < len(key_b) <= MAX_KEY_ID:
        raise ValueError("region or key id too long for the blob header")
    material = bytes.fromhex(material_id)
    if len(material) != MATERIAL_ID_SIZE or len(nonce) != NONCE_SIZE:
        raise ValueError("bad material id or nonce size")
    return b"".join(
        (
            MAGIC,
            bytes((VERSION, len(region_b))),
            region_b,
            bytes((len(key_b),)),
            key_b,
            material,
            nonce,
        )
    )


def seal(
    material: bytes,
    *,
    region: str,
    key_id: str,
    material_id: str,
    plaintext: bytes,
    context: dict[str, str] | None,
) -> bytes:
    """Encrypt ``plaintext`` under the 32-byte key ``material`` into a version-1 blob."""
    nonce = os.urandom(NONCE_SIZE)
    header = _header(region, key_id, material_id, nonce)
    body = AESGCM(material).encrypt(nonce, plaintext, header + encode_context(context))
    return header + body


def parse(blob: bytes) -> BlobHeader:
    """Read the header of ``blob``; ``BlobError`` if it is not a well-formed blob of ours."""
    try:
        if blob[:4] != MAGIC or blob[4] != VERSION:
            raise BlobError("not a kmsworkbench blob")
        pos = 5
        n = blob[pos]
        region = blob[pos + 1 : pos + 1 + n].decode("ascii")
        pos += 1 + n
        m = blob[pos]
        key_id = blob[pos + 1 : pos + 1 + m].decode("ascii")
        pos += 1 + m
        material = blob[pos : pos + MATERIAL_ID_SIZE]
        pos += MATERIAL_ID_SIZE
        nonce = blob[pos : pos + NONCE_SIZE]
        pos += NONCE_SIZE
    except (IndexError, UnicodeDecodeError) as exc:
        raise BlobError("truncated blob header") from exc
    if (
        n == 0
        or m == 0
        or len(region) != n
        or len(key_id) != m
        or len(material) != MATERIAL_ID_SIZE
        or len(nonce) != NONCE_SIZE
        or len(blob) < pos + TAG_SIZE
    ):
        raise BlobError("truncated blob")
    return BlobHeader(region, key_id, material.hex(), nonce, blob[:pos], blob[pos:])


def open_blob(material: bytes, header: BlobHeader, context: dict[str, str] | None) -> bytes:
    """Decrypt a parsed blob; ``BlobError`` when the tag does not verify (wrong context,
    tampering, wrong material)."""
    try:
        return AESGCM(material).decrypt(
            header.nonce, header.body, header.header_bytes + encode_context(context)
        )
    except InvalidTag as exc:
        raise BlobError("the blob does not authenticate") from exc
