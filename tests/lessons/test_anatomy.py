"""The ASN.1 viewer names every field at the offsets ``openssl asn1parse`` prints, and
masks every secret of a private key; the blob view labels the sandbox's blob exactly."""

from __future__ import annotations

import re
import subprocess

import pytest

from kmsworkbench import keypairs
from kmsworkbench.anatomy import explain_blob, private_key_tree, public_key_tree, render_tree
from kmsworkbench.anatomy.formats import public_formats
from kmsworkbench.sandbox import blob as sandbox_blob

SPECS = [
    "RSA_2048",
    "ECC_NIST_P256",
    "ECC_SECG_P256K1",
    "ECC_NIST_EDWARDS25519",
    "SM2",
    "ML_KEM_768",
]


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _openssl_offsets(der: bytes, strparse: int | None = None, base: int = 0) -> set[int]:
    """Offsets openssl asn1parse prints (with -strparse: of the value inside the string at
    that offset, shifted by ``base`` to where that value starts in ``der``)."""
    args = ["openssl", "asn1parse", "-inform", "DER"]
    if strparse is not None:
        args += ["-strparse", str(strparse)]
    out = subprocess.run(args, input=der, capture_output=True, check=True).stdout.decode()
    return {int(m.group(1)) + base for m in re.finditer(r"^\s*(\d+):d=", out, re.M)}


@pytest.mark.parametrize("spec", SPECS)
def test_public_key_offsets_match_openssl(spec: str) -> None:
    pair = keypairs.generate(spec)
    tree = public_key_tree(pair.public_der)
    bits = tree.children[-1]
    outer = {n.offset for n in _walk(tree) if n.offset <= bits.offset}
    assert outer == _openssl_offsets(pair.public_der)
    if bits.children:  # RSA: the RSAPublicKey inside the BIT STRING
        inner = {n.offset for n in _walk(bits.children[0])}
        start = bits.offset + bits.header + 1
        assert inner == _openssl_offsets(pair.public_der, bits.offset, start)
    names = {n.name for n in _walk(tree)}
    assert {"SubjectPublicKeyInfo", "algorithm", "public_key"} <= names


@pytest.mark.parametrize("spec", SPECS)
def test_private_key_tree_masks_every_secret(spec: str) -> None:
    pair = keypairs.generate(spec)
    text = "\n".join(render_tree(private_key_tree(pair.private_der)))
    der = pair.private_der
    # No run of 8 bytes of the private key's secret part shows up in hex.
    secret_hex = {der[i : i + 8].hex() for i in range(len(der) - 8)}
    public = pair.public_der.hex()
    leaked = [h for h in secret_hex if h in text and h not in public]
    assert not leaked
    assert "secret, not shown" in text


def test_rsa_private_key_fields_are_named_and_offsets_match_openssl() -> None:
    pair = keypairs.generate("RSA_2048")
    tree = private_key_tree(pair.private_der)
    nodes = {n.name: n for n in _walk(tree)}
    for name in ("modulus", "public_exponent", "private_exponent", "prime1", "coefficient"):
        assert name in nodes
    assert nodes["private_exponent"].masked and not nodes["modulus"].masked
    octets = nodes["private_key"]
    theirs = _openssl_offsets(pair.private_der, octets.offset, octets.offset + octets.header)
    assert {n.offset for n in _walk(octets.children[0])} == theirs


def test_public_formats_include_openssh_for_what_openssh_has() -> None:
    names = lambda spec: {f.name for f in public_formats(keypairs.generate(spec).public_der)}  # noqa: E731
    assert "OpenSSH" in names("ECC_NIST_P256") and "OpenSSH" in names("ECC_NIST_EDWARDS25519")
    assert "OpenSSH" not in names("ECC_SECG_P256K1") and "OpenSSH" not in names("ML_KEM_768")
    assert "raw" in names("ECC_NIST_EDWARDS25519")


def test_blob_fields_cover_the_blob_exactly() -> None:
    material = bytes(32)
    blob = sandbox_blob.seal(
        material,
        region="eu-west-1",
        key_id="1234abcd-12ab-34cd-56ef-1234567890ab",
        material_id="ab" * 32,
        plaintext=b"hello",
        context={},
    )
    fields = explain_blob(blob)
    assert sum(f.size for f in fields) == len(blob)
    assert [f.offset for f in fields] == sorted(f.offset for f in fields)
    by_name = {f.name: f for f in fields}
    assert "eu-west-1" in by_name["region"].meaning
    assert by_name["tag"].size == 16
