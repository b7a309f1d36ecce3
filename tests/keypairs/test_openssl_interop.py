"""The OpenSSL command-line tool as the outside oracle, in both directions, for every spec it
supports (RSA, P-256/384/521, secp256k1, Ed25519, SM2). The OpenSSL here (3.0) predates ML-KEM;
for those specs cryptography and the published examples are the oracle (test_mlkem.py).

These tests skip only when no ``openssl`` binary is installed.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

import pytest

from kmsworkbench import keypairs as kp
from kmsworkbench.keypairs import GeneratedKeyPair

from .conftest import OpenSSL

PairOf = Callable[[str], GeneratedKeyPair]

OPENSSL_SPECS = [s for s in kp.SPEC_NAMES if not s.startswith("ML_KEM")]
DISTID = "distid:1234567812345678"

# what `openssl pkey -text` prints for our keys
EXPECTED_TEXT = {
    "RSA_2048": ["Public-Key: (2048 bit", "xponent: 65537 (0x10001)"],
    "RSA_3072": ["Public-Key: (3072 bit"],
    "RSA_4096": ["Public-Key: (4096 bit"],
    "ECC_NIST_P256": ["Public-Key: (256 bit)", "ASN1 OID: prime256v1", "NIST CURVE: P-256"],
    "ECC_NIST_P384": ["Public-Key: (384 bit)", "ASN1 OID: secp384r1", "NIST CURVE: P-384"],
    "ECC_NIST_P521": ["Public-Key: (521 bit)", "ASN1 OID: secp521r1", "NIST CURVE: P-521"],
    "ECC_SECG_P256K1": ["Public-Key: (256 bit)", "ASN1 OID: secp256k1"],
    "SM2": ["Public-Key: (256 bit)", "ASN1 OID: SM2"],
    "ECC_NIST_EDWARDS25519": ["ED25519 Public-Key:"],
}


def private_pem(der: bytes) -> str:
    return (
        "-----BEGIN PRIVATE KEY-----\n"
        + base64.encodebytes(der).decode()
        + "-----END PRIVATE KEY-----\n"
    )


def write_pair(openssl: OpenSSL, pair: GeneratedKeyPair) -> None:
    openssl.write("pub.der", pair.public_der)
    openssl.write("key.der", pair.private_der)
    openssl.write("pub.pem", kp.load_public_key(pair.public_der).pem)
    openssl.write("key.pem", private_pem(pair.private_der))


def dgst_options(algorithm: str) -> list[str]:
    digest = "-" + "sha" + algorithm.rsplit("_", 1)[1]
    options = [digest]
    if algorithm.startswith("RSASSA_PSS"):
        options += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
    return options


@pytest.mark.parametrize("spec", OPENSSL_SPECS)
def test_openssl_reads_our_keys_as_the_same_curve_or_size(
    spec: str, pair_of: PairOf, openssl: OpenSSL
) -> None:
    write_pair(openssl, pair_of(spec))
    public_text = openssl.text(
        "pkey", "-inform", "DER", "-pubin", "-in", "pub.der", "-text", "-noout"
    )
    private_text = openssl.text("pkey", "-inform", "DER", "-in", "key.der", "-text", "-noout")
    for expected in EXPECTED_TEXT[spec]:
        assert expected in public_text
        assert expected.replace("Public-Key", "Private-Key") in private_text


@pytest.mark.parametrize("spec", OPENSSL_SPECS)
def test_openssl_reencodes_our_keys_byte_for_byte(
    spec: str, pair_of: PairOf, openssl: OpenSSL
) -> None:
    """Our DER is exactly what OpenSSL writes: PKCS#8 and SPKI, SM2 included."""
    pair = pair_of(spec)
    write_pair(openssl, pair)
    pkcs8 = openssl.run(
        "pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", "key.der", "-outform", "DER"
    ).stdout
    spki_from_private = openssl.run(
        "pkey", "-inform", "DER", "-in", "key.der", "-pubout", "-outform", "DER"
    ).stdout
    spki = openssl.run(
        "pkey", "-inform", "DER", "-pubin", "-in", "pub.der", "-outform", "DER"
    ).stdout
    assert pkcs8 == pair.private_der
    assert spki_from_private == spki == pair.public_der


OPENSSL_GENPKEY = {
    "RSA_2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "ECC_NIST_P256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "ECC_NIST_P384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "ECC_NIST_P521": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
    "ECC_SECG_P256K1": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
    "SM2": ["-algorithm", "SM2"],
    "ECC_NIST_EDWARDS25519": ["-algorithm", "ED25519"],
}


@pytest.mark.parametrize("spec", list(OPENSSL_GENPKEY))
def test_we_read_openssl_keys_and_sign_with_them(spec: str, openssl: OpenSSL) -> None:
    openssl.run("genpkey", *OPENSSL_GENPKEY[spec], "-out", "key.pem")
    openssl.run("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem")
    private_text = openssl.read("key.pem").decode()
    public_text = openssl.read("pub.pem").decode()
    private = kp.load_private_key(private_text)
    public = kp.load_public_key(public_text)
    assert private.spec == public.spec == spec
    assert kp.keys_match(private_text, public_text)
    assert private.public_der == public.der
    algorithm = kp.get_spec(spec).signing_algorithms[-1]
    signature = kp.sign(private.der, algorithm, b"signed with an OpenSSL key")
    assert kp.verify(public.der, algorithm, b"signed with an OpenSSL key", signature)


def _verify_with_openssl(openssl: OpenSSL, spec: str, algorithm: str) -> bool:
    if spec == "SM2":
        args = ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3"]
        args += ["-pkeyopt", DISTID, "-in", "msg", "-sigfile", "sig"]
    elif spec == "ECC_NIST_EDWARDS25519":
        args = ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin"]
        args += ["-in", "msg", "-sigfile", "sig"]
    else:
        args = ["dgst", *dgst_options(algorithm), "-verify", "pub.pem", "-signature", "sig", "msg"]
    result = openssl.run(*args, check=False)
    output = (result.stdout + result.stderr).decode(errors="replace")
    verified = result.returncode == 0 and re.search(r"Verified (OK|Successfully)", output)
    return bool(verified)


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [(s, a) for s in OPENSSL_SPECS for a in kp.get_spec(s).signing_algorithms],
)
def test_openssl_verifies_our_signatures(
    spec: str, algorithm: str, pair_of: PairOf, openssl: OpenSSL
) -> None:
    pair = pair_of(spec)
    write_pair(openssl, pair)
    message = f"signed by kmsworkbench with {algorithm}".encode()
    openssl.write("msg", message)
    openssl.write("sig", kp.sign(pair.private_der, algorithm, message))
    assert _verify_with_openssl(openssl, spec, algorithm)
    # and the oracle is not a rubber stamp: a changed message fails
    openssl.write("msg", message + b".")
    assert not _verify_with_openssl(openssl, spec, algorithm)


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [(s, a) for s in OPENSSL_SPECS for a in kp.get_spec(s).signing_algorithms],
)
def test_we_verify_openssl_signatures(
    spec: str, algorithm: str, pair_of: PairOf, openssl: OpenSSL
) -> None:
    pair = pair_of(spec)
    write_pair(openssl, pair)
    message = f"signed by openssl with {algorithm}".encode()
    openssl.write("msg", message)
    if spec == "SM2":
        openssl.run(
            "pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-digest", "sm3",
            "-pkeyopt", DISTID, "-in", "msg", "-out", "sig",
        )  # fmt: skip
    elif spec == "ECC_NIST_EDWARDS25519":
        openssl.run("pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-in", "msg", "-out", "sig")
    else:
        openssl.run("dgst", *dgst_options(algorithm), "-sign", "key.pem", "-out", "sig", "msg")
    signature = openssl.read("sig")
    assert kp.verify(pair.public_der, algorithm, message, signature)
    assert not kp.verify(pair.public_der, algorithm, message + b".", signature)


@pytest.mark.parametrize(
    ("spec", "algorithm", "digest"),
    [
        ("ECC_NIST_P256", "ECDSA_SHA_256", "sha256"),
        ("ECC_SECG_P256K1", "ECDSA_SHA_256", "sha256"),
        ("ECC_NIST_P521", "ECDSA_SHA_512", "sha512"),
        ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384", "sha384"),
        ("RSA_2048", "RSASSA_PSS_SHA_256", "sha256"),
    ],
)
def test_digest_message_type_interoperates(
    spec: str, algorithm: str, digest: str, pair_of: PairOf, openssl: OpenSSL
) -> None:
    """KMS's MessageType=DIGEST is OpenSSL's pkeyutl over a digest, both ways."""
    pair = pair_of(spec)
    write_pair(openssl, pair)
    openssl.write("msg", b"digest me")
    openssl.run("dgst", f"-{digest}", "-binary", "-out", "digest", "msg")
    value = openssl.read("digest")
    options = ["-pkeyopt", f"digest:{digest}"]
    if "PSS" in algorithm:
        options += ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest"]
    openssl.write("sig", kp.sign(pair.private_der, algorithm, value, "DIGEST"))
    result = openssl.run(
        "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "digest", "-sigfile", "sig",
        *options,
    )  # fmt: skip
    assert b"Verified Successfully" in result.stdout
    openssl.run("pkeyutl", "-sign", "-inkey", "key.pem", "-in", "digest", "-out", "sig2", *options)
    assert kp.verify(pair.public_der, algorithm, value, openssl.read("sig2"), "DIGEST")
    assert kp.verify(pair.public_der, algorithm, b"digest me", openssl.read("sig2"))


def test_sm2_digest_message_type_is_sm3_of_za_and_message(
    pair_of: PairOf, openssl: OpenSSL
) -> None:
    """An OpenSSL SM2 signature of a message verifies against our e = SM3(Z_A || M) as a
    DIGEST, which is how KMS takes a digest for SM2DSA."""
    pair = pair_of("SM2")
    write_pair(openssl, pair)
    openssl.write("msg", b"sm2 digest")
    openssl.run(
        "pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-digest", "sm3",
        "-pkeyopt", DISTID, "-in", "msg", "-out", "sig",
    )  # fmt: skip
    point = kp.sm2.decode_point(pair.public_der[-65:])
    e = kp.sm2.message_digest(point, b"sm2 digest")
    assert kp.verify(pair.public_der, "SM2DSA", e, openssl.read("sig"), "DIGEST")


def test_sm2_custom_id_interoperates(pair_of: PairOf, openssl: OpenSSL) -> None:
    pair = pair_of("SM2")
    write_pair(openssl, pair)
    openssl.write("msg", b"custom id")
    openssl.write("sig", kp.sign(pair.private_der, "SM2DSA", b"custom id", sm2_id=b"bob@example"))
    result = openssl.run(
        "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
        "-pkeyopt", "distid:bob@example", "-in", "msg", "-sigfile", "sig",
    )  # fmt: skip
    assert b"Verified Successfully" in result.stdout
    default = openssl.run(
        "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
        "-pkeyopt", DISTID, "-in", "msg", "-sigfile", "sig", check=False,
    )  # fmt: skip
    assert b"Verified Successfully" not in default.stdout


def _oaep_options(algorithm: str) -> list[str]:
    md = "sha1" if algorithm == "RSAES_OAEP_SHA_1" else "sha256"
    return [
        "-pkeyopt", "rsa_padding_mode:oaep",
        "-pkeyopt", f"rsa_oaep_md:{md}",
        "-pkeyopt", f"rsa_mgf1_md:{md}",
    ]  # fmt: skip


ENCRYPTION = [(s, a) for s in OPENSSL_SPECS for a in kp.get_spec(s).encryption_algorithms]


@pytest.mark.parametrize(("spec", "algorithm"), ENCRYPTION)
def test_openssl_decrypts_what_we_encrypt(
    spec: str, algorithm: str, pair_of: PairOf, openssl: OpenSSL
) -> None:
    pair = pair_of(spec)
    write_pair(openssl, pair)
    plaintext = f"encrypted by kmsworkbench with {algorithm}".encode()
    openssl.write("ct", kp.encrypt(pair.public_der, algorithm, plaintext))
    options = _oaep_options(algorithm) if spec.startswith("RSA") else []
    openssl.run("pkeyutl", "-decrypt", "-inkey", "key.pem", "-in", "ct", "-out", "pt", *options)
    assert openssl.read("pt") == plaintext


@pytest.mark.parametrize(("spec", "algorithm"), ENCRYPTION)
def test_we_decrypt_what_openssl_encrypts(
    spec: str, algorithm: str, pair_of: PairOf, openssl: OpenSSL
) -> None:
    pair = pair_of(spec)
    write_pair(openssl, pair)
    plaintext = f"encrypted by openssl with {algorithm}".encode()
    openssl.write("pt", plaintext)
    options = _oaep_options(algorithm) if spec.startswith("RSA") else []
    openssl.run(
        "pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "pt", "-out", "ct", *options
    )
    assert kp.decrypt(pair.private_der, algorithm, openssl.read("ct")) == plaintext
    if spec.startswith("RSA"):
        other = "RSAES_OAEP_SHA_256" if algorithm == "RSAES_OAEP_SHA_1" else "RSAES_OAEP_SHA_1"
        with pytest.raises(kp.DecryptionError):
            kp.decrypt(pair.private_der, other, openssl.read("ct"))


def test_openssl_refuses_what_we_refuse(openssl: OpenSSL) -> None:
    """A P-224 key made by OpenSSL is a real key, just not a KMS spec."""
    openssl.run(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-224", "-out", "k.pem"
    )
    with pytest.raises(kp.KeyFormatError, match="P-224"):
        kp.load_private_key(openssl.read("k.pem"))
    openssl.run("genpkey", "-algorithm", "X25519", "-out", "x.pem")
    with pytest.raises(kp.KeyFormatError, match="X25519"):
        kp.load_private_key(openssl.read("x.pem"))
