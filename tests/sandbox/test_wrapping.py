"""kmsworkbench.sandbox.wrapping against the OpenSSL command-line tool, both directions:
OpenSSL wraps and the sandbox unwraps (what an import does), and the sandbox's ``wrap``
is opened by OpenSSL."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmsworkbench.sandbox import wrapping
from tests.sandbox.openssl_wrap import needs_openssl, openssl, openssl_wrap

pytestmark = needs_openssl

_KEYS: dict[str, tuple[bytes, bytes]] = {}


def key_of(spec: str) -> tuple[bytes, bytes]:
    if spec not in _KEYS:
        _KEYS[spec] = wrapping.new_wrapping_key(spec)
    return _KEYS[spec]


CASES = [
    ("RSAES_OAEP_SHA_1", "RSA_2048"),
    ("RSAES_OAEP_SHA_256", "RSA_3072"),
    ("RSA_AES_KEY_WRAP_SHA_1", "RSA_2048"),
    ("RSA_AES_KEY_WRAP_SHA_256", "RSA_3072"),
    ("SM2PKE", "SM2"),
]


@pytest.mark.parametrize(("algorithm", "spec"), CASES)
def test_openssl_wraps_sandbox_unwraps(tmp_path: Path, algorithm: str, spec: str) -> None:
    private_der, public_der = key_of(spec)
    # 32 bytes (a symmetric key); 1217 bytes (an RSA private key) for the AES-KWP algorithms,
    # whose length is not a multiple of 8, so RFC 5649's padding is exercised.
    aes_kwp = algorithm in wrapping.RSA_AES_ALGORITHMS
    material = bytes(range(256)) * 4 + b"x" * 193 if aes_kwp else bytes(range(32))
    blob = openssl_wrap(tmp_path, algorithm, public_der, material)
    assert wrapping.unwrap(algorithm, private_der, blob) == material


@pytest.mark.parametrize(("algorithm", "spec"), CASES)
def test_sandbox_wraps_openssl_unwraps(tmp_path: Path, algorithm: str, spec: str) -> None:
    private_der, public_der = key_of(spec)
    material = b"\x01" * 45
    blob = wrapping.wrap(algorithm, public_der, material)
    (tmp_path / "priv.der").write_bytes(private_der)
    (tmp_path / "blob.bin").write_bytes(blob)
    key = ["-inkey", "priv.der", "-keyform", "DER"]
    if algorithm == "SM2PKE":
        out = openssl(tmp_path, "pkeyutl", "-decrypt", "-in", "blob.bin", *key)
    else:
        md = "sha1" if algorithm.endswith("SHA_1") else "sha256"
        oaep = ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", f"rsa_oaep_md:{md}",
                "-pkeyopt", f"rsa_mgf1_md:{md}"]  # fmt: skip
        if algorithm.startswith("RSAES"):
            out = openssl(tmp_path, "pkeyutl", "-decrypt", "-in", "blob.bin", *key, *oaep)
        else:
            size = int(spec.split("_")[1]) // 8
            (tmp_path / "k.bin").write_bytes(blob[:size])
            (tmp_path / "w.bin").write_bytes(blob[size:])
            aes = openssl(tmp_path, "pkeyutl", "-decrypt", "-in", "k.bin", *key, *oaep)
            out = openssl(tmp_path, "enc", "-d", "-id-aes256-wrap-pad", "-K", aes.hex(),
                          "-iv", "A65959A6", "-in", "w.bin")  # fmt: skip
    assert out == material


@pytest.mark.parametrize(("algorithm", "spec"), CASES)
def test_damaged_or_mismatched_blobs_are_refused(algorithm: str, spec: str) -> None:
    private_der, public_der = key_of(spec)
    blob = bytearray(wrapping.wrap(algorithm, public_der, b"\x02" * 32))
    blob[-5] ^= 0x40
    with pytest.raises(wrapping.UnwrapError):
        wrapping.unwrap(algorithm, private_der, bytes(blob))
    for bad in (b"", b"\x00" * 7, bytes(blob[:-9])):
        with pytest.raises(wrapping.UnwrapError):
            wrapping.unwrap(algorithm, private_der, bad)


def test_an_oaep_blob_is_not_an_aes_kwp_blob_and_hashes_differ() -> None:
    private_der, public_der = key_of("RSA_2048")
    sha1 = wrapping.wrap("RSAES_OAEP_SHA_1", public_der, b"\x03" * 32)
    with pytest.raises(wrapping.UnwrapError):
        wrapping.unwrap("RSAES_OAEP_SHA_256", private_der, sha1)
    with pytest.raises(wrapping.UnwrapError):
        wrapping.unwrap("RSA_AES_KEY_WRAP_SHA_1", private_der, sha1)
    other_private, _ = key_of("RSA_3072")
    with pytest.raises(wrapping.UnwrapError):
        wrapping.unwrap("RSAES_OAEP_SHA_1", other_private, sha1)


def test_the_wrapping_key_specs_and_pairs() -> None:
    assert wrapping.compatible("SM2PKE", "SM2") and not wrapping.compatible("SM2PKE", "RSA_2048")
    assert not wrapping.compatible("RSAES_OAEP_SHA_1", "SM2")
    from cryptography.hazmat.primitives import serialization

    for spec, bits in wrapping.RSA_WRAPPING_SPECS.items():
        if bits > 3072:
            continue  # RSA_4096 generation is slow; its size is the same code path
        public = serialization.load_der_public_key(key_of(spec)[1])
        assert public.key_size == bits  # type: ignore[union-attr]
