"""ML-KEM: known answers, the encodings, and cross-checks between two implementations.

Known answers: the example keys of the IETF LAMPS draft "Algorithm Identifiers for ML-KEM"
(draft-ietf-lamps-kyber-certificates, Appendix C), derived (FIPS 203 ML-KEM.KeyGen_internal)
from the seed 00 01 02 ... 3f, i.e. d = 00..1f and z = 20..3f. The ML-KEM-512 public key and
its expanded private key are reproduced below as published; for ML-KEM-768 and ML-KEM-1024 the
SHA-256 of the published public key DER is kept. (AWS-LC's crypto/evp_extra/p_kem_test.cc
carries the same examples.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mlkem as c_mlkem

from kmsworkbench import keypairs as kp
from kmsworkbench.keypairs import GeneratedKeyPair, _der, mlkem

PairOf = Callable[[str], GeneratedKeyPair]
SEED = bytes(range(64))

DRAFT_512_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIIDMjALBglghkgBZQMEBAEDggMhADmVgV5ZfRBDVc8pqlMzyTJRhp1bzb5IcST2
Ari2pmwWxHYWSK12XPXYAGtRXpBafwrAdrDGLvoygVPnylcBaZ8TBfHmvG+QsOSb
aTUSts6ZKouAFt38GmYsfj+WGcvYad13GvMIlszVkYrGy3dGbF53mZbWf/mqvJdQ
Pyx7fi0ADYZFD7GAfKTKvaRlgloxx4mht6SRqzhydl0yDQtxkg+iE8lAk0Frg7gS
Tmn2XmLLUADcw3qpoP/3OXDEdy81fSQYnKb1MFVowOI3ajdipoxgXlY8XSCVcuD8
dTLKKUcpU1VntfxBPF6HktJGRTbMgI+YrddGZPFBVm+QFqkKVBgpqYoEZM5BqLtE
wtT6PCwglGByjvFKGnxMm5jRIgO0zDUpFgqasteDj3/2tTrgWqMafWRrevpsRZMl
JqPDdVYZvplMIRwqMcBbNEeDbLIVC+GCna5rBMVTXP9Ubjkrp5dBFyD5JPSQpaxU
lfITVtVQt4KmTBaItrZVvMeEIZekNML2Vjtbfwmni8xIgjJ4NWHRb0y6tnVUAAUH
gVcMZmBLgXrRJSKUc26LAYYaS1p0UZuLb+UUiaUHI5Llh2JscTd2V10zgGocjicy
r5fCaA9RZmMxxOuLvAQxxPloMtrxs8RVKPuhU/bHixwZhwKUfM0zdyekb7U7oR3l
y0GRNGhZUWy2rXJADzzyCbI2rvNaWArIfrPjD6/WaXPKin3SZ1r0H3oXthQzzRr4
D3cIhp9mVIhJeYCxrBCgzctjagDthoGzXkKRJMqANQcluF+DperDpKPMFgCQPmUp
NWC5szblrw1SnawaBIEZMCy3qbzBELlIUb8CEX8ZncSFqFK3Rz8JuDGmgx1bVMC3
kNIlz2u5LZRiomzbM92lEjx6rw4moLg2Ve6ii/OoB0clAY/WuuS2Ac9huqtxp6PT
UZejQ+dLSicsEl1UCJZCbYW3lY07OKa6mH7DciXHtEzbEt3kU5tKsII2NoPwS/eg
nMXEHf6DChsWLgsyQzQ2LwhKFEZ3IzRLrdAA+NjFN8SPmY8FMHzr0e3guBw7xZoG
WhttY7Js
-----END PUBLIC KEY-----
"""
DRAFT_512_PRIVATE_EXPANDED = """-----BEGIN PRIVATE KEY-----
MIIGeAIBADALBglghkgBZQMEBAEEggZkBIIGYHBVT9Q2NE8nhbGzsbrBhLZnkAMz
bCbxWn3oeMSCXGvgPzxKSA91t0hqrTHToAUYYj/SB6tSjdYnIUlYNa4AYsNnt0px
uvEKrQ6KKQIHa+MTSL6xXMwJV83rtK/yJnVrvGAbZWireErLrrNHAvD4aiYgIRiy
KyP4NVh3bHnBTbqYM3nIA+DcwxYKEXVwMOacaRl5jYHraYqaRIOpnlpcssMcmmYX
mfPMiceQcG6gQWKQRdQqg67YiGDjlMaRh+IQXSjMFOw5NZLWfdAKpD/otOrkQUAC
hmtccTxqjX0Wz3i4GdbxLp5adCM5CPCxXjxLqDKcXN2lXISSjjqoBj5aqWdkA/kX
NbEQEMf1kwkTZNyGRFvIBIQKmiFyQhJGn4p7DOCsaY64bK05p/SCTZpRY6rCHuaA
iwU8ij+ssLZ0S1Jiu8smpD9mTIcytkz8es8JlgX0HHlgYJdqxDODP+ADQ/sYKDAK
QkdBEW5LRbsnbqgRKaDbTG5gvOYREB6MYlR0kl4CImeTCKPncI0Zcqe0I+sjKFHD
bS7VPT7Tu3UAY3BhpdwikvocRmwHNUaDMovsLB7Sy1yZt47KCWkDjPfDTdEYck4x
yuCGIGs0MCtSD10Xet7Vs8zgKszoCOomvMByYl/bk/F0WKX8HU2jlDgKH1fpzGYQ
lDigdfDSgT/MShmcx22zgj8nCwBhWUGSlAQRo3/7r64sFQFlzsXGv3PFlfuSzRUx
JgfaBwd4ZSvZlEvEi8fRpTQzi60LrWZWxdUCznhQqxWHJE7rWPQ5q14IV0pxjIqs
PXfHmLuhVCczvnNEjyP7cMDlNTonyIMixSGEk6+7OAhkNNbWCla6iH3UmMOrJqCH
CZOBWqakCXXyGK3KFYLWT/yGUvuzqab7wwT5GUX6Sq7yh4/XFd9wET0jefRIhvgS
yD/ytxmmnh7HSuSxWszTrtWlPOdqewmCRxYzuXPLQKGgAV0KQk+hGkecAjAXQ20q
KQDpk+taCgZ0AMf0qt8gH8T6MSZKY7rpXMjWXDmVgV5ZfRBDVc8pqlMzyTJRhp1b
zb5IcST2Ari2pmwWxHYWSK12XPXYAGtRXpBafwrAdrDGLvoygVPnylcBaZ8TBfHm
vG+QsOSbaTUSts6ZKouAFt38GmYsfj+WGcvYad13GvMIlszVkYrGy3dGbF53mZbW
f/mqvJdQPyx7fi0ADYZFD7GAfKTKvaRlgloxx4mht6SRqzhydl0yDQtxkg+iE8lA
k0Frg7gSTmn2XmLLUADcw3qpoP/3OXDEdy81fSQYnKb1MFVowOI3ajdipoxgXlY8
XSCVcuD8dTLKKUcpU1VntfxBPF6HktJGRTbMgI+YrddGZPFBVm+QFqkKVBgpqYoE
ZM5BqLtEwtT6PCwglGByjvFKGnxMm5jRIgO0zDUpFgqasteDj3/2tTrgWqMafWRr
evpsRZMlJqPDdVYZvplMIRwqMcBbNEeDbLIVC+GCna5rBMVTXP9Ubjkrp5dBFyD5
JPSQpaxUlfITVtVQt4KmTBaItrZVvMeEIZekNML2Vjtbfwmni8xIgjJ4NWHRb0y6
tnVUAAUHgVcMZmBLgXrRJSKUc26LAYYaS1p0UZuLb+UUiaUHI5Llh2JscTd2V10z
gGocjicyr5fCaA9RZmMxxOuLvAQxxPloMtrxs8RVKPuhU/bHixwZhwKUfM0zdyek
b7U7oR3ly0GRNGhZUWy2rXJADzzyCbI2rvNaWArIfrPjD6/WaXPKin3SZ1r0H3oX
thQzzRr4D3cIhp9mVIhJeYCxrBCgzctjagDthoGzXkKRJMqANQcluF+DperDpKPM
FgCQPmUpNWC5szblrw1SnawaBIEZMCy3qbzBELlIUb8CEX8ZncSFqFK3Rz8JuDGm
gx1bVMC3kNIlz2u5LZRiomzbM92lEjx6rw4moLg2Ve6ii/OoB0clAY/WuuS2Ac9h
uqtxp6PTUZejQ+dLSicsEl1UCJZCbYW3lY07OKa6mH7DciXHtEzbEt3kU5tKsII2
NoPwS/egnMXEHf6DChsWLgsyQzQ2LwhKFEZ3IzRLrdAA+NjFN8SPmY8FMHzr0e3g
uBw7xZoGWhttY7JsgvEB/2SAY7N24rtsW3RV9lWlDC/q2t4VDvoODm82WuogISIj
JCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==
-----END PRIVATE KEY-----
"""
DRAFT_PUBLIC_SHA256 = {
    "ML_KEM_512": "0e3c8b89b54202d2545f7aba2e2aaa3cffa7b6191919ad738fab35b4f313cf71",
    "ML_KEM_768": "c23e23dd3d485a9256cda09358a4a286e00b373db10761eadf99f710649ca31c",
    "ML_KEM_1024": "d2b7480ae006a14b37c1e8a8e45ea39022e32a9b1a7b90d594c84d869c6ac420",
}
SPECS = list(mlkem.PARAMS)


def _from_seed(spec: str) -> mlkem.PrivateKey:
    return mlkem.PrivateKey.from_seed(mlkem.PARAMS[spec], SEED)


def test_published_512_public_key_matches_its_digest() -> None:
    der = kp.load_public_key(DRAFT_512_PUBLIC).der
    assert hashlib.sha256(der).hexdigest() == DRAFT_PUBLIC_SHA256["ML_KEM_512"]


@pytest.mark.parametrize("spec", SPECS)
def test_keygen_from_the_draft_seed_gives_the_published_public_key(spec: str) -> None:
    spki = _from_seed(spec).public_key().spki()
    assert hashlib.sha256(spki).hexdigest() == DRAFT_PUBLIC_SHA256[spec]
    # and the public API identifies and fingerprints it
    public = kp.load_public_key(spki)
    assert public.spec == spec
    assert public.fingerprint_hex.replace(":", "").lower() == DRAFT_PUBLIC_SHA256[spec]


def test_published_512_expanded_private_key_loads_and_matches_the_seed() -> None:
    private = kp.load_private_key(DRAFT_512_PRIVATE_EXPANDED)
    assert private.spec == "ML_KEM_512"
    assert private.public_der == kp.load_public_key(DRAFT_512_PUBLIC).der
    from_seed = _from_seed("ML_KEM_512")
    assert private.der.endswith(from_seed.dk)  # the expanded dk of FIPS 203
    # a secret encapsulated to the published public key decapsulates with the published dk
    ciphertext, secret = kp.encapsulate(DRAFT_512_PUBLIC.encode())
    assert kp.decapsulate(private.der, ciphertext) == secret
    assert kp.decapsulate(from_seed.pkcs8(), ciphertext) == secret
    assert kp.keys_match(from_seed.pkcs8(), DRAFT_512_PUBLIC)


@pytest.mark.parametrize("spec", ["ML_KEM_768", "ML_KEM_1024"])
def test_our_encoder_is_byte_identical_to_cryptography(spec: str) -> None:
    """The hand-written encoder (used for ML-KEM-512) produces exactly what cryptography
    emits for 768 and 1024 from the same seed: SPKI without parameters, PKCS#8 seed form."""
    ours = _from_seed(spec)
    theirs = (
        c_mlkem.MLKEM768PrivateKey if spec == "ML_KEM_768" else c_mlkem.MLKEM1024PrivateKey
    ).from_seed_bytes(SEED)
    assert ours.pkcs8() == theirs.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert ours.public_key().spki() == theirs.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_512_encoding_has_the_structure_of_cryptographys_768(pair_of: PairOf) -> None:
    def shape(der: bytes) -> list[object]:
        out: list[object] = []
        for element in _der.sequence_of(der, "test"):
            if element.tag == _der.SEQUENCE:
                out.append([e.tag for e in _der.children(element)])
            elif element.tag == _der.OCTET_STRING:
                inner = _der.parse(element.content)
                out.append(("OCTET STRING", inner.tag, len(inner.content)))
            else:
                out.append(element.tag)
        return out

    ours, theirs = pair_of("ML_KEM_512"), pair_of("ML_KEM_768")
    assert shape(ours.private_der) == shape(theirs.private_der)
    assert shape(ours.private_der)[2] == ("OCTET STRING", 0x80, 64)  # [0] IMPLICIT seed
    assert shape(ours.public_der)[0] == shape(theirs.public_der)[0] == [_der.OBJECT_IDENTIFIER]
    assert ours.private_der[:9] == theirs.private_der[:9]
    oid_512 = _der.oid("2.16.840.1.101.3.4.4.1")
    assert oid_512 in ours.public_der[:20] and oid_512 in ours.private_der[:20]


@pytest.mark.parametrize("spec", ["ML_KEM_768", "ML_KEM_1024"])
def test_two_implementations_agree(spec: str) -> None:
    """cryptography (OpenSSL) and kyber_py, from the same seed: same keys, and each
    decapsulates what the other encapsulated."""
    params = mlkem.PARAMS[spec]
    ek, dk = params.kyber.key_derive(SEED)
    theirs = (
        c_mlkem.MLKEM768PrivateKey if spec == "ML_KEM_768" else c_mlkem.MLKEM1024PrivateKey
    ).from_seed_bytes(SEED)
    assert theirs.public_key().public_bytes_raw() == ek
    secret, ciphertext = theirs.public_key().encapsulate()
    assert params.kyber.decaps(dk, ciphertext) == secret
    secret2, ciphertext2 = params.kyber.encaps(ek)
    assert theirs.decapsulate(ciphertext2) == secret2


@pytest.mark.parametrize("spec", SPECS)
def test_expanded_and_both_forms_load(spec: str) -> None:
    params = mlkem.PARAMS[spec]
    key = _from_seed(spec)
    algorithm = _der.sequence(_der.oid(params.oid))
    expanded = _der.sequence(
        _der.integer(0), algorithm, _der.octet_string(_der.octet_string(key.dk))
    )
    both = _der.sequence(
        _der.integer(0),
        algorithm,
        _der.octet_string(_der.sequence(_der.octet_string(SEED), _der.octet_string(key.dk))),
    )
    ciphertext, secret = kp.encapsulate(key.public_key().spki())
    for der in (expanded, both, key.pkcs8()):
        private = kp.load_private_key(der)
        assert private.spec == spec
        assert private.public_der == key.public_key().spki()
        assert kp.decapsulate(der, ciphertext) == secret
        assert kp.keys_match(der, key.public_key().spki())


def test_bad_ml_kem_keys_are_refused() -> None:
    params = mlkem.PARAMS["ML_KEM_512"]
    key = _from_seed("ML_KEM_512")
    algorithm = _der.sequence(_der.oid(params.oid))

    def pkcs8(inner: bytes, alg: bytes = algorithm) -> bytes:
        return _der.sequence(_der.integer(0), alg, _der.octet_string(inner))

    seed_tag = _der.context_tag(0, constructed=False)
    other_dk = mlkem.PrivateKey.from_seed(params, bytes(64)).dk
    cases = {
        "seed is 64 bytes": pkcs8(_der.tlv(seed_tag, SEED[:63])),
        "do not match": pkcs8(_der.sequence(_der.octet_string(SEED), _der.octet_string(other_dk))),
        "hash check": pkcs8(_der.octet_string(key.dk[:-64] + bytes(32) + key.dk[-32:])),
        "1632 bytes": pkcs8(_der.octet_string(key.dk[:-1])),
        "no parameters": pkcs8(
            _der.tlv(seed_tag, SEED), _der.sequence(_der.oid(params.oid), _der.null())
        ),
    }
    for message, der in cases.items():
        with pytest.raises(kp.KeyFormatError, match=message):
            kp.load_private_key(der)

    ek = key.ek
    spki = key.public_key().spki()
    with pytest.raises(kp.KeyFormatError, match="800 bytes"):
        kp.load_public_key(
            _der.sequence(_der.sequence(_der.oid(params.oid)), _der.bit_string(ek[:-1]))
        )
    with pytest.raises(kp.KeyFormatError, match="modulus check"):
        kp.load_public_key(
            _der.sequence(
                _der.sequence(_der.oid(params.oid)), _der.bit_string(b"\xff\xff\xff" + ek[3:])
            )
        )
    assert kp.load_public_key(spki).spec == "ML_KEM_512"


@pytest.mark.parametrize("spec", SPECS)
def test_wrong_ciphertext_length_is_a_decryption_error(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    with pytest.raises(kp.DecryptionError, match="ciphertext is"):
        kp.decapsulate(pair.private_der, b"\x00" * 100)


def test_seal_format_is_documented_and_stable(pair_of: PairOf) -> None:
    pair = pair_of("ML_KEM_768")
    blob = kp.kem_seal(pair.public_der, b"")
    assert len(blob) == 1088 + 12 + 16
    assert kp.kem_open(pair.private_der, blob) == b""
    # a blob sealed to another key of the same spec does not open
    other = kp.generate("ML_KEM_768")
    with pytest.raises(kp.DecryptionError):
        kp.kem_open(pair.private_der, kp.kem_seal(other.public_der, b"m"))
