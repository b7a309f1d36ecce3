"""A ciphertext blob explained: what AWS documents, and what the sandbox's blob holds.

AWS says only that a symmetric ciphertext blob is opaque and "includes metadata" naming the
KMS key, so Decrypt needs no KeyId. The sandbox's own format (``sandbox/blob.py``) is shown
field by field; a blob that is not the sandbox's (from AWS, or damaged) is reported as opaque.
"""

from __future__ import annotations

from dataclasses import dataclass

from kmsworkbench.sandbox.blob import MAGIC, TAG_SIZE, BlobError, parse

WHY_NO_MESSAGE = (
    "When Decrypt fails to authenticate a blob (a changed byte, another encryption context, "
    "another key), AWS KMS answers InvalidCiphertextException with no message at all: saying "
    "which check failed would tell an attacker what to change next."
)

AWS_SAYS = (
    "AWS KMS documents the ciphertext blob as opaque: it includes metadata that identifies "
    "the KMS key (and its key material), so Decrypt can find the key without a KeyId. Its "
    "layout is not documented and may change; never parse it in production code."
)


@dataclass(frozen=True)
class BlobField:
    offset: int
    size: int
    name: str
    hex: str
    meaning: str


def _hex(data: bytes, limit: int = 24) -> str:
    return data.hex() if len(data) <= limit else f"{data[:limit].hex()}… ({len(data)} bytes)"


def explain_blob(blob: bytes) -> list[BlobField]:
    """The sandbox blob's fields in order; raises BlobError for bytes that are not one."""
    header = parse(blob)
    region = header.region.encode()
    key_id = header.key_id.encode()
    fields: list[BlobField] = []
    pos = 0

    def add(size: int, name: str, meaning: str) -> None:
        nonlocal pos
        fields.append(BlobField(pos, size, name, _hex(blob[pos : pos + size]), meaning))
        pos += size

    add(len(MAGIC), "magic", "b'KWB\\0': a kmsworkbench sandbox blob")
    add(1, "version", f"format version {blob[4]}")
    add(1, "region length", f"{len(region)} bytes follow")
    add(len(region), "region", f"{header.region}: a blob decrypts only in its Region")
    add(1, "key id length", f"{len(key_id)} bytes follow")
    add(len(key_id), "key id", f"{header.key_id}: why Decrypt needs no KeyId")
    add(32, "key material id", f"{header.material_id}: which material (rotations keep old ones)")
    add(12, "nonce", "AES-GCM nonce, random for every Encrypt")
    body = len(blob) - pos - TAG_SIZE
    add(body, "ciphertext", "AES-256-GCM ciphertext of the plaintext")
    add(TAG_SIZE, "tag", "authenticates the header, the ciphertext and the encryption context")
    return fields


def describe(blob: bytes) -> tuple[list[BlobField], str]:
    """Fields and a one-line verdict, for any bytes."""
    try:
        return explain_blob(blob), "a kmsworkbench sandbox blob"
    except BlobError as exc:
        return [], f"not a sandbox blob ({exc}): to this tool it is opaque, as AWS's are"
