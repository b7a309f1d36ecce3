"""Round trips for every spec and every algorithm, loading in every accepted form, and the
facts shown about a key (spec, fingerprint, summary, JWK)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsworkbench import keypairs as kp
from kmsworkbench.keypairs import GeneratedKeyPair

PairOf = Callable[[str], GeneratedKeyPair]

SIGNING = [(s.name, a) for s in kp.SPECS.values() for a in s.signing_algorithms]
ENCRYPTION = [(s.name, a) for s in kp.SPECS.values() for a in s.encryption_algorithms]
KEM = [s.name for s in kp.SPECS.values() if s.key_encapsulation]

# (SPKI DER size, PKCS#8 DER size range) as KMS/OpenSSL encode them
SIZES = {
    "RSA_2048": (294, range(1214, 1220)),
    "RSA_3072": (422, range(1790, 1796)),
    "RSA_4096": (550, range(2371, 2377)),
    "ECC_NIST_P256": (91, range(138, 139)),
    "ECC_NIST_P384": (120, range(185, 186)),
    "ECC_NIST_P521": (158, range(241, 242)),
    "ECC_SECG_P256K1": (88, range(135, 136)),
    "SM2": (91, range(138, 139)),
    "ECC_NIST_EDWARDS25519": (44, range(48, 49)),
    "ML_KEM_512": (822, range(86, 87)),
    "ML_KEM_768": (1206, range(86, 87)),
    "ML_KEM_1024": (1590, range(86, 87)),
}


def test_every_data_key_pair_spec_of_the_kms_api_is_in_the_catalogue() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("kms")
    assert list(kp.SPEC_NAMES) == model.shape_for("DataKeyPairSpec").enum
    signing = set(model.shape_for("SigningAlgorithmSpec").enum)
    encryption = set(model.shape_for("EncryptionAlgorithmSpec").enum)
    for spec in kp.SPECS.values():
        assert set(spec.signing_algorithms) <= signing
        assert set(spec.encryption_algorithms) <= encryption


@pytest.mark.parametrize("spec", kp.SPEC_NAMES)
def test_generate_gives_kms_encodings_that_load_back(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    assert pair.spec == spec
    spki_size, pkcs8_sizes = SIZES[spec]
    assert len(pair.public_der) == spki_size
    assert len(pair.private_der) in pkcs8_sizes
    public = kp.load_public_key(pair.public_der)
    private = kp.load_private_key(pair.private_der)
    assert public.spec == private.spec == spec
    assert public.der == pair.public_der
    assert private.der == pair.private_der
    assert private.public_der == pair.public_der
    assert private.public_key().der == pair.public_der
    assert kp.spec_of_public_key(pair.public_der) == spec
    assert kp.spec_of_private_key(pair.private_der) == spec
    assert kp.keys_match(pair.private_der, pair.public_der)


@pytest.mark.parametrize("spec", kp.SPEC_NAMES)
def test_two_generated_pairs_differ_and_do_not_match(spec: str, pair_of: PairOf) -> None:
    if spec.startswith("RSA"):
        other_spec = "RSA_2048" if spec != "RSA_2048" else "RSA_3072"
        other = pair_of(other_spec)
    else:
        other = kp.generate(spec)
        assert other.private_der != pair_of(spec).private_der
        assert other.public_der != pair_of(spec).public_der
    assert not kp.keys_match(pair_of(spec).private_der, other.public_der)
    assert not kp.keys_match(other.private_der, pair_of(spec).public_der)


def test_keys_of_different_specs_do_not_match(pair_of: PairOf) -> None:
    assert not kp.keys_match(pair_of("ECC_NIST_P256").private_der, pair_of("SM2").public_der)
    assert not kp.keys_match(pair_of("ML_KEM_512").private_der, pair_of("ML_KEM_768").public_der)


@pytest.mark.parametrize("spec", kp.SPEC_NAMES)
def test_keys_load_from_der_pem_base64_and_text(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    public = kp.load_public_key(pair.public_der)
    pem = public.pem
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert all(len(line) <= 64 for line in pem.splitlines())
    b64 = base64.b64encode(pair.public_der).decode()
    for form in (
        pem,
        pem.encode(),
        b64,
        b64.encode(),
        "\n  " + pem + "\n",
        bytearray(pair.public_der),
    ):
        loaded = kp.load_public_key(form)
        assert loaded.der == pair.public_der
        assert loaded.spec == spec
    private_pem = (
        "-----BEGIN PRIVATE KEY-----\n"
        + base64.encodebytes(pair.private_der).decode()
        + "-----END PRIVATE KEY-----\n"
    )
    with_preamble = "Bag Attributes\n    localKeyID: 01\n" + private_pem
    forms = (private_pem, with_preamble, base64.b64encode(pair.private_der).decode())
    for form in (*forms, pair.private_der):
        assert kp.load_private_key(form).der == pair.private_der


@pytest.mark.parametrize("spec", kp.SPEC_NAMES)
def test_fingerprint_is_sha256_of_the_spki(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    public = kp.load_public_key(pair.public_der)
    digest = hashlib.sha256(pair.public_der).digest()
    assert public.fingerprint_hex == ":".join(f"{b:02X}" for b in digest)
    assert len(public.fingerprint_hex) == 32 * 3 - 1
    assert base64.b64decode(public.fingerprint_b64) == digest


@pytest.mark.parametrize(
    ("spec", "summary"),
    [
        ("RSA_2048", "RSA 2048-bit public key (exponent 65537)"),
        ("RSA_4096", "RSA 4096-bit public key (exponent 65537)"),
        ("ECC_NIST_P256", "ECC P-256 (secp256r1) public key"),
        ("ECC_NIST_P384", "ECC P-384 (secp384r1) public key"),
        ("ECC_NIST_P521", "ECC P-521 (secp521r1) public key"),
        ("ECC_SECG_P256K1", "ECC secp256k1 public key"),
        ("SM2", "SM2 (sm2p256v1) public key"),
        ("ECC_NIST_EDWARDS25519", "Ed25519 (edwards25519) public key"),
        ("ML_KEM_512", "ML-KEM-512 (FIPS 203) public key"),
        ("ML_KEM_1024", "ML-KEM-1024 (FIPS 203) public key"),
    ],
)
def test_summary(spec: str, summary: str, pair_of: PairOf) -> None:
    assert kp.load_public_key(pair_of(spec).public_der).summary == summary


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize("spec", kp.SPEC_NAMES)
def test_jwk_describes_the_same_key(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    jwk = kp.load_public_key(pair.public_der).jwk()
    assert all(isinstance(v, str) and "=" not in v for v in jwk.values())
    family = kp.get_spec(spec).family
    if family is kp.Family.RSA:
        numbers = serialization.load_der_public_key(pair.public_der).public_numbers()
        assert isinstance(numbers, rsa.RSAPublicNumbers)
        assert jwk["kty"] == "RSA"
        assert _b64url_int(jwk["n"]) == numbers.n
        assert _b64url_int(jwk["e"]) == 65537
        rebuilt = rsa.RSAPublicNumbers(_b64url_int(jwk["e"]), _b64url_int(jwk["n"])).public_key()
    elif family is kp.Family.ECC:
        crv = {
            "ECC_NIST_P256": ("P-256", ec.SECP256R1(), 32),
            "ECC_NIST_P384": ("P-384", ec.SECP384R1(), 48),
            "ECC_NIST_P521": ("P-521", ec.SECP521R1(), 66),
            "ECC_SECG_P256K1": ("secp256k1", ec.SECP256K1(), 32),
        }[spec]
        assert jwk["kty"] == "EC" and jwk["crv"] == crv[0]
        assert len(_b64url(jwk["x"])) == len(_b64url(jwk["y"])) == crv[2]
        rebuilt = ec.EllipticCurvePublicNumbers(
            _b64url_int(jwk["x"]), _b64url_int(jwk["y"]), crv[1]
        ).public_key()
    elif family is kp.Family.EDDSA:
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
        rebuilt = ed25519.Ed25519PublicKey.from_public_bytes(_b64url(jwk["x"]))
    elif family is kp.Family.SM2:
        assert jwk["kty"] == "EC" and jwk["crv"] == "SM2"
        point = b"\x04" + _b64url(jwk["x"]) + _b64url(jwk["y"])
        assert pair.public_der.endswith(point)
        return
    else:
        assert jwk == {
            "kty": "AKP",
            "alg": kp.get_spec(spec).size.split()[0],
            "pub": jwk["pub"],
        }
        assert pair.public_der.endswith(_b64url(jwk["pub"]))
        return
    assert (
        rebuilt.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == pair.public_der
    )


@pytest.mark.parametrize(("spec", "algorithm"), SIGNING)
def test_sign_and_verify_every_signing_algorithm(
    spec: str, algorithm: str, pair_of: PairOf
) -> None:
    pair = pair_of(spec)
    message = b"a test message for " + algorithm.encode()
    signature = kp.sign(pair.private_der, algorithm, message)
    assert kp.verify(pair.public_der, algorithm, message, signature)
    assert not kp.verify(pair.public_der, algorithm, message + b"!", signature)
    flipped = bytes([signature[0], signature[1], signature[2] ^ 1]) + signature[3:]
    assert not kp.verify(pair.public_der, algorithm, message, flipped)
    # the encodings KMS uses
    if spec.startswith("RSA"):
        assert len(signature) == kp.get_spec(spec).key_bits // 8
    elif spec == "ECC_NIST_EDWARDS25519":
        assert len(signature) == 64
    else:
        assert signature[0] == 0x30  # DER SEQUENCE { r, s }
    # an empty message signs too
    assert kp.verify(pair.public_der, algorithm, b"", kp.sign(pair.private_der, algorithm, b""))


_DIGESTS = {
    "SHA_256": hashes.SHA256(),
    "SHA_384": hashes.SHA384(),
    "SHA_512": hashes.SHA512(),
}


@pytest.mark.parametrize(
    ("spec", "algorithm"), [(s, a) for s, a in SIGNING if a != "ED25519_SHA_512"]
)
def test_digest_message_type_matches_raw(spec: str, algorithm: str, pair_of: PairOf) -> None:
    """A signature made over the digest verifies as a signature of the message, and back."""
    pair = pair_of(spec)
    message = b"sign me by digest"
    if algorithm == "SM2DSA":
        public = kp.load_public_key(pair.public_der)
        point = kp.sm2.decode_point(public.der[-65:])
        digest = kp.sm2.message_digest(point, message)
    else:
        h = hashes.Hash(next(v for k, v in _DIGESTS.items() if algorithm.endswith(k)))
        h.update(message)
        digest = h.finalize()
    by_digest = kp.sign(pair.private_der, algorithm, digest, "DIGEST")
    assert kp.verify(pair.public_der, algorithm, message, by_digest)
    by_raw = kp.sign(pair.private_der, algorithm, message)
    assert kp.verify(pair.public_der, algorithm, digest, by_raw, "DIGEST")
    assert not kp.verify(pair.public_der, algorithm, digest, by_raw)  # RAW would hash again
    with pytest.raises(ValueError, match="digest"):
        kp.sign(pair.private_der, algorithm, digest[:-1], "DIGEST")


def test_ed25519_refuses_digest_message_type(pair_of: PairOf) -> None:
    pair = pair_of("ECC_NIST_EDWARDS25519")
    with pytest.raises(ValueError, match="RAW"):
        kp.sign(pair.private_der, "ED25519_SHA_512", b"\x00" * 64, "DIGEST")
    with pytest.raises(ValueError, match="RAW or DIGEST"):
        kp.sign(pair.private_der, "ED25519_SHA_512", b"m", "PREHASHED")


@pytest.mark.parametrize(("spec", "algorithm"), ENCRYPTION)
def test_encrypt_and_decrypt_every_encryption_algorithm(
    spec: str, algorithm: str, pair_of: PairOf
) -> None:
    pair = pair_of(spec)
    plaintext = b"a short secret message"
    ciphertext = kp.encrypt(pair.public_der, algorithm, plaintext)
    assert kp.decrypt(pair.private_der, algorithm, ciphertext) == plaintext
    assert kp.encrypt(pair.public_der, algorithm, plaintext) != ciphertext  # randomised
    if spec.startswith("RSA"):
        assert len(ciphertext) == kp.get_spec(spec).key_bits // 8
        limit = kp.max_plaintext_bytes(spec, algorithm)
        assert limit is not None
        longest = b"x" * limit
        assert (
            kp.decrypt(pair.private_der, algorithm, kp.encrypt(pair.public_der, algorithm, longest))
            == longest
        )
        with pytest.raises(ValueError, match=f"at most {limit} bytes"):
            kp.encrypt(pair.public_der, algorithm, longest + b"x")
    else:
        parsed = kp.sm2.Ciphertext.decode(ciphertext)  # ASN.1 SEQUENCE { x, y, C3, C2 }
        assert kp.sm2.is_on_curve((parsed.x1, parsed.y1))
        assert len(parsed.c3) == 32 and len(parsed.c2) == len(plaintext)


def test_rsa_oaep_sha1_and_sha256_are_not_interchangeable(pair_of: PairOf) -> None:
    pair = pair_of("RSA_2048")
    ciphertext = kp.encrypt(pair.public_der, "RSAES_OAEP_SHA_1", b"m")
    with pytest.raises(kp.DecryptionError):
        kp.decrypt(pair.private_der, "RSAES_OAEP_SHA_256", ciphertext)


@pytest.mark.parametrize("spec", KEM)
def test_encapsulate_and_decapsulate(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    ciphertext, secret = kp.encapsulate(pair.public_der)
    assert len(secret) == 32
    assert len(ciphertext) == {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}[spec]
    assert kp.decapsulate(pair.private_der, ciphertext) == secret
    again, other_secret = kp.encapsulate(pair.public_der)
    assert again != ciphertext and other_secret != secret
    # FIPS 203 implicit rejection: a changed ciphertext gives an unrelated secret, no error
    changed = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    assert kp.decapsulate(pair.private_der, changed) != secret


@pytest.mark.parametrize("spec", KEM)
def test_shared_secret_keys_aes_gcm(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    message = b"a test message sealed with the ML-KEM shared secret"
    blob = kp.kem_seal(pair.public_der, message)
    ct_size = {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}[spec]
    assert len(blob) == ct_size + 12 + len(message) + 16
    assert kp.kem_open(pair.private_der, blob) == message
    for changed in (
        blob[:-1] + bytes([blob[-1] ^ 1]),  # the AES-GCM part
        bytes([blob[0] ^ 1]) + blob[1:],  # the KEM ciphertext
        blob[: ct_size + 3] + bytes([blob[ct_size + 3] ^ 1]) + blob[ct_size + 4 :],  # nonce
    ):
        with pytest.raises(kp.DecryptionError, match="does not open"):
            kp.kem_open(pair.private_der, changed)
    with pytest.raises(kp.DecryptionError):
        kp.kem_open(pair.private_der, blob[:100])
    other = kp.generate(spec)
    with pytest.raises(kp.DecryptionError):
        kp.kem_open(other.private_der, blob)


@pytest.mark.parametrize("spec", kp.SPEC_NAMES)
def test_algorithms_that_do_not_fit_the_key_are_refused(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    info = kp.get_spec(spec)
    wrong_signing = "ECDSA_SHA_384" if spec != "ECC_NIST_P384" else "ECDSA_SHA_256"
    with pytest.raises(kp.UnsupportedAlgorithmError):
        kp.sign(pair.private_der, wrong_signing, b"m")
    with pytest.raises(kp.UnsupportedAlgorithmError):
        kp.verify(pair.public_der, wrong_signing, b"m", b"sig")
    with pytest.raises(kp.UnsupportedAlgorithmError):
        kp.sign(pair.private_der, "NOT_AN_ALGORITHM", b"m")
    if not info.can_encrypt:
        with pytest.raises(kp.UnsupportedAlgorithmError, match="cannot encrypt"):
            kp.encrypt(pair.public_der, "RSAES_OAEP_SHA_256", b"m")
        with pytest.raises(kp.UnsupportedAlgorithmError):
            kp.decrypt(pair.private_der, "SM2PKE", b"c")
    else:
        wrong = "SM2PKE" if spec != "SM2" else "RSAES_OAEP_SHA_1"
        with pytest.raises(kp.UnsupportedAlgorithmError, match="valid:"):
            kp.encrypt(pair.public_der, wrong, b"m")
    if not info.key_encapsulation:
        with pytest.raises(kp.UnsupportedAlgorithmError, match="ML-KEM"):
            kp.encapsulate(pair.public_der)
        with pytest.raises(kp.UnsupportedAlgorithmError, match="ML-KEM"):
            kp.decapsulate(pair.private_der, b"c")
        with pytest.raises(kp.UnsupportedAlgorithmError):
            kp.kem_seal(pair.public_der, b"m")
    else:
        with pytest.raises(kp.UnsupportedAlgorithmError, match="key encapsulation only"):
            kp.sign(pair.private_der, "ECDSA_SHA_256", b"m")


def test_generated_key_pair_repr_hides_the_private_key(pair_of: PairOf) -> None:
    pair = pair_of("ECC_NIST_P256")
    text = repr(pair)
    assert "private_der" not in text
    assert pair.private_der.hex() not in text
    private = kp.load_private_key(pair.private_der)
    assert pair.private_der.hex()[:40] not in repr(private)
    assert "der=" not in repr(private).replace("public_der=", "")


def test_unknown_spec_is_refused() -> None:
    with pytest.raises(KeyError, match="valid: RSA_2048"):
        kp.generate("RSA_1024")
