"""The ciphertext blob format and the injective encryption-context encoding."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmsworkbench.sandbox import blob

MATERIAL = bytes(range(32))
MATERIAL_ID = "ab" * 32
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"

contexts = st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4)


def sealed(context: dict[str, str] | None, plaintext: bytes = b"private key") -> bytes:
    return blob.seal(
        MATERIAL,
        region="us-east-1",
        key_id=KEY_ID,
        material_id=MATERIAL_ID,
        plaintext=plaintext,
        context=context,
    )


def test_layout() -> None:
    data = sealed({"a": "b"}, b"x" * 10)
    assert data[:4] == b"KWB\x00" and data[4] == blob.VERSION
    header = blob.parse(data)
    assert header.region == "us-east-1" and header.key_id == KEY_ID
    assert header.material_id == MATERIAL_ID and len(header.nonce) == 12
    assert len(data) == 4 + 1 + 1 + 9 + 1 + 36 + 32 + 12 + 10 + 16


def test_round_trip_and_nonce_is_fresh() -> None:
    a, b = sealed({"k": "v"}), sealed({"k": "v"})
    assert a != b
    assert blob.open_blob(MATERIAL, blob.parse(a), {"k": "v"}) == b"private key"


def test_known_collision_of_other_emulators_does_not_happen() -> None:
    assert blob.encode_context({"app": "wb", "env": "dev"}) != blob.encode_context(
        {"ap": "pwbenvdev"}
    )
    assert blob.encode_context({"app": "wb", "env": "dev"}) != blob.encode_context(
        {"appwb": "", "env": "dev"}
    )
    data = sealed({"app": "wb", "env": "dev"})
    with pytest.raises(blob.BlobError):
        blob.open_blob(MATERIAL, blob.parse(data), {"ap": "pwbenvdev"})


def test_empty_and_missing_context_encode_alike() -> None:
    assert blob.encode_context(None) == blob.encode_context({}) == b"\x00\x00\x00\x00"


@given(contexts, contexts)
def test_encoding_is_injective(a: dict[str, str], b: dict[str, str]) -> None:
    assert (blob.encode_context(a) == blob.encode_context(b)) == (a == b)


@given(contexts)
def test_encoding_ignores_order(ctx: dict[str, str]) -> None:
    reordered = dict(reversed(list(ctx.items())))
    assert blob.encode_context(ctx) == blob.encode_context(reordered)


@given(st.binary(max_size=120))
def test_parse_never_crashes(data: bytes) -> None:
    try:
        blob.parse(data)
    except blob.BlobError:
        pass


def test_every_header_byte_is_authenticated() -> None:
    data = sealed(None)
    header_len = len(blob.parse(data).header_bytes)
    for i in range(header_len):
        tampered = bytearray(data)
        tampered[i] ^= 0x80
        try:
            parsed = blob.parse(bytes(tampered))
        except blob.BlobError:
            continue
        with pytest.raises(blob.BlobError):
            blob.open_blob(MATERIAL, parsed, None)


def test_wrong_material_fails() -> None:
    with pytest.raises(blob.BlobError):
        blob.open_blob(os.urandom(32), blob.parse(sealed(None)), None)
