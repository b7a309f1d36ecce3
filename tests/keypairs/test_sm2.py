"""SM2: known answers from the published standards, the encodings, and the corner cases.

Sources of the known-answer values:

* GM/T 0003.5-2012 (SM2 part 5, parameter definitions; the same examples are in
  GB/T 32918.5-2017), Annex A and C, on the recommended curve sm2p256v1: key d = 3945208F...,
  ID 1234567812345678, message "message digest" (Z_A, e, r, s) and "encryption standard"
  (ciphertext). The encryption example in GM/T 0009 ASN.1 form is also in OpenSSL's
  test/sm2_internal_test.c.
* GM/T 0003.2-2012 Annex A (signature, ID ALICE123@YAHOO.COM) and GM/T 0003.4-2012 Annex A
  (encryption, C1C2C3 in the 2012 text) on the standard's 256-bit test curve
  (p = 8542D69E...); the same values are in GmSSL's test/sm2test.c.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kmsworkbench import keypairs as kp
from kmsworkbench.keypairs import GeneratedKeyPair, _der, sm2

PairOf = Callable[[str], GeneratedKeyPair]


def h(text: str) -> int:
    return int(text.replace(" ", ""), 16)


def b(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# ---- GM/T 0003.5-2012 / GB/T 32918.5-2017, recommended curve sm2p256v1
D = h("3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8")
XA = h("09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020")
YA = h("CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13")
K = h("59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21")
ZA = b("B2E14C5C 79C6DF5B 85F4FE7E D8DB7A26 2B9DA7E0 7CCB0EA9 F4747B8C CDA8A4F3")
E = b("F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640")
R = h("F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3")
S = h("B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA")
CIPHERTEXT = b(
    "307C"
    "0220 04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
    "022100 E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
    "0420 59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
    "0413 21886CA989CA9C7D58087307CA93092D651EFA"
)

# ---- GM/T 0003.2/0003.4-2012 Annex A, the 256-bit test curve
TEST_CURVE = sm2.Curve(
    name="sm2 test curve Fp-256",
    p=h("8542D69E 4C044F18 E8B92435 BF6FF7DE 45728391 5C45517D 722EDB8B 08F1DFC3"),
    a=h("787968B4 FA32C3FD 2417842E 73BBFEFF 2F3C848B 6831D7E0 EC65228B 3937E498"),
    b=h("63E4C6D3 B23B0C84 9CF84241 484BFE48 F61D59A5 B16BA06E 6E12D1DA 27C5249A"),
    gx=h("421DEBD6 1B62EAB6 746434EB C3CC315E 32220B3B ADD50BDC 4C4E6C14 7FEDD43D"),
    gy=h("0680512B CBB42C07 D47349D2 153B70C4 E5D7FDFC BFA36EA1 A85841B9 E46E09A2"),
    n=h("8542D69E 4C044F18 E8B92435 BF6FF7DD 29772063 0485628D 5AE74EE7 C32E79B7"),
)


def test_recommended_curve_parameters_are_consistent() -> None:
    curve = sm2.SM2P256V1
    assert sm2.is_on_curve(curve.generator)
    assert sm2.multiply(curve.n, curve.generator) is None  # G has order n
    assert sm2.multiply(curve.n - 1, curve.generator) == (curve.gx, curve.p - curve.gy)


def test_gmt_0003_5_signature_example() -> None:
    public = sm2.public_point(D)
    assert public == (XA, YA)
    assert sm2.z_a(public) == ZA
    assert sm2.message_digest(public, b"message digest") == E
    assert sm2.sign_digest(D, E, k=K) == (R, S)
    assert sm2.verify(public, b"message digest", R, S)
    assert not sm2.verify(public, b"message digesT", R, S)
    assert not sm2.verify(public, b"message digest", R, S, distid=b"ALICE123@YAHOO.COM")


def test_gmt_0003_5_encryption_example_in_asn1_form() -> None:
    public = sm2.public_point(D)
    ciphertext = sm2.encrypt(public, b"encryption standard", k=K)
    assert ciphertext.encode() == CIPHERTEXT
    assert sm2.decrypt(D, sm2.Ciphertext.decode(CIPHERTEXT)) == b"encryption standard"


def test_known_answer_through_the_public_api() -> None:
    """The standard's key, wrapped as PKCS#8/SPKI, decrypts the standard's ciphertext and
    verifies the standard's signature (DER) over "message digest"."""
    private_der = sm2.private_key_to_pkcs8(D)
    public_der = sm2.public_key_to_spki((XA, YA))
    assert kp.load_private_key(private_der).public_der == public_der
    assert kp.decrypt(private_der, "SM2PKE", CIPHERTEXT) == b"encryption standard"
    signature = sm2.encode_signature(R, S)
    assert kp.verify(public_der, "SM2DSA", b"message digest", signature)
    assert kp.verify(public_der, "SM2DSA", E, signature, "DIGEST")


def test_gmt_0003_2_signature_example_on_the_test_curve() -> None:
    d = h("128B2FA8 BD433C6C 068C8D80 3DFF7979 2A519A55 171B1B65 0C23661D 15897263")
    public = sm2.public_point(d, TEST_CURVE)
    assert public == (
        h("0AE4C779 8AA0F119 471BEE11 825BE462 02BB79E2 A5844495 E97C04FF 4DF2548A"),
        h("7C0240F8 8F1CD4E1 6352A73C 17B7F16F 07353E53 A176D684 A9FE0C6B B798E857"),
    )
    distid = b"ALICE123@YAHOO.COM"
    assert sm2.z_a(public, distid, TEST_CURVE) == b(
        "F4A38489 E32B45B6 F876E3AC 2168CA39 2362DC8F 23459C1D 1146FC3D BFB7BC9A"
    )
    e = sm2.message_digest(public, b"message digest", distid, TEST_CURVE)
    assert e == b("B524F552 CD82B8B0 28476E00 5C377FB1 9A87E6FC 682D48BB 5D42E3D9 B9EFFE76")
    k = h("6CB28D99 385C175C 94F94E93 4817663F C176D925 DD72B727 260DBAAE 1FB2F96F")
    r, s = sm2.sign_digest(d, e, TEST_CURVE, k=k)
    assert r == h("40F1EC59 F793D9F4 9E09DCEF 49130D41 94F79FB1 EED2CAA5 5BACDB49 C4E755D1")
    assert s == h("6FC6DAC3 2C5D5CF1 0C77DFB2 0F7C2EB6 67A45787 2FB09EC5 6327A67E C7DEEBE7")
    assert sm2.verify(public, b"message digest", r, s, distid, TEST_CURVE)


def test_gmt_0003_4_encryption_example_on_the_test_curve() -> None:
    d = h("1649AB77 A00637BD 5E2EFE28 3FBF3535 34AA7F7C B89463F2 08DDBC29 20BB0DA0")
    public = sm2.public_point(d, TEST_CURVE)
    assert public == (
        h("435B39CC A8F3B508 C1488AFC 67BE491A 0F7BA07E 581A0E48 49A5CF70 628A7E0A"),
        h("75DDBA78 F15FEECB 4C7895E2 C1CDF5FE 01DEBB2C DBADF453 99CCF77B BA076A42"),
    )
    k = h("4C62EEFD 6ECFC2B9 5B92FD6C 3D957514 8AFA1742 5546D490 18E5388D 49DD7B4F")
    ciphertext = sm2.encrypt(public, b"encryption standard", TEST_CURVE, k=k)
    assert (ciphertext.x1, ciphertext.y1) == (
        h("245C26FB 68B1DDDD B12C4B6B F9F2B6D5 FE60A383 B0D18D1C 4144ABF1 7F6252E7"),
        h("76CB9264 C2A7E88E 52B19903 FDC47378 F605E368 11F5C074 23A24B84 400F01B8"),
    )
    assert ciphertext.c2 == b("650053 A89B41C4 18B0C3AA D00D886C 00286467")
    assert ciphertext.c3 == b(
        "9C3D7360 C30156FA B7C80A02 76712DA9 D8094A63 4B766D3A 285E0748 0653426D"
    )
    assert sm2.decrypt(d, ciphertext, TEST_CURVE) == b"encryption standard"


def test_kdf_is_sm3_counter_mode() -> None:
    z = b"\x01" * 64
    stream = sm2.kdf(z, 70)
    assert stream[:32] == sm2.sm3(z + b"\x00\x00\x00\x01")
    assert stream[32:64] == sm2.sm3(z + b"\x00\x00\x00\x02")
    assert stream[64:] == sm2.sm3(z + b"\x00\x00\x00\x03")[:6]


def test_sm3_standard_vector() -> None:
    assert sm2.sm3(b"abc") == b(
        "66C7F0F4 62EEEDD9 D1F2D46B DC10E4E2 4167C487 5CF2F7A2 297DA02B 8F4BA8E0"
    )


def test_custom_distinguishing_id(pair_of: PairOf) -> None:
    pair = pair_of("SM2")
    signature = kp.sign(pair.private_der, "SM2DSA", b"m", sm2_id=b"alice@example.com")
    assert kp.verify(pair.public_der, "SM2DSA", b"m", signature, sm2_id=b"alice@example.com")
    assert not kp.verify(pair.public_der, "SM2DSA", b"m", signature)
    with pytest.raises(ValueError, match="at most 8191 bytes"):
        kp.sign(pair.private_der, "SM2DSA", b"m", sm2_id=b"x" * 8192)


def test_spki_and_pkcs8_have_the_openssl_3_shape() -> None:
    public_der = sm2.public_key_to_spki((XA, YA))
    private_der = sm2.private_key_to_pkcs8(D)
    assert public_der == b(
        "3059 3013 0607 2A8648CE3D0201 0608 2A811CCF5501822D 034200 04"
    ) + XA.to_bytes(32, "big") + YA.to_bytes(32, "big")
    assert private_der.startswith(
        b("30818702010030130607 2A8648CE3D0201 0608 2A811CCF5501822D 046D306B0201010420")
    )
    assert private_der[36 + 32 : 36 + 32 + 4] == b("A1440342")
    assert len(private_der) == 138


def _alternative_oid_spki(point: bytes) -> bytes:
    return _der.sequence(_der.sequence(_der.oid(sm2.SM2_OID)), _der.bit_string(point))


def test_loading_accepts_the_sm2_algorithm_oid_variant() -> None:
    point = sm2.encode_point((XA, YA))
    canonical = sm2.public_key_to_spki((XA, YA))
    for variant in (
        _alternative_oid_spki(point),
        _der.sequence(_der.sequence(_der.oid(sm2.SM2_OID), _der.null()), _der.bit_string(point)),
        _der.sequence(
            _der.sequence(_der.oid(sm2.SM2_OID), _der.oid(sm2.SM2_OID)), _der.bit_string(point)
        ),
    ):
        public = kp.load_public_key(variant)
        assert public.spec == "SM2"
        assert public.der == variant  # as given: the fingerprint is that of these bytes
        assert kp.keys_match(sm2.private_key_to_pkcs8(D), variant)
        assert kp.verify(variant, "SM2DSA", b"message digest", sm2.encode_signature(R, S))
    ec_private_key = _der.sequence(
        _der.integer(1),
        _der.octet_string(D.to_bytes(32, "big")),
        _der.explicit(1, _der.bit_string(point)),
    )
    alt_private = _der.sequence(
        _der.integer(0), _der.sequence(_der.oid(sm2.SM2_OID)), _der.octet_string(ec_private_key)
    )
    loaded = kp.load_private_key(alt_private)
    assert loaded.spec == "SM2" and loaded.public_der == canonical


@pytest.mark.parametrize(
    "inner",
    [
        # with [0] parameters and [1] public key (what `openssl ec` writes inside)
        _der.sequence(
            _der.integer(1),
            _der.octet_string(D.to_bytes(32, "big")),
            _der.explicit(0, _der.oid(sm2.SM2_OID)),
            _der.explicit(1, _der.bit_string(sm2.encode_point((XA, YA)))),
        ),
        # with neither
        _der.sequence(_der.integer(1), _der.octet_string(D.to_bytes(32, "big"))),
        # with [0] only
        _der.sequence(
            _der.integer(1),
            _der.octet_string(D.to_bytes(32, "big")),
            _der.explicit(0, _der.oid(sm2.SM2_OID)),
        ),
    ],
    ids=["with-0-and-1", "bare", "with-0"],
)
def test_pkcs8_with_or_without_inner_fields(inner: bytes) -> None:
    der = _der.sequence(
        _der.integer(0),
        _der.sequence(_der.oid(sm2.EC_PUBLIC_KEY_OID), _der.oid(sm2.SM2_OID)),
        _der.octet_string(inner),
    )
    private = kp.load_private_key(der)
    assert private.spec == "SM2"
    assert private.public_der == sm2.public_key_to_spki((XA, YA))
    assert kp.decrypt(der, "SM2PKE", CIPHERTEXT) == b"encryption standard"


def _pkcs8_with_inner(inner: bytes) -> bytes:
    return _der.sequence(
        _der.integer(0),
        _der.sequence(_der.oid(sm2.EC_PUBLIC_KEY_OID), _der.oid(sm2.SM2_OID)),
        _der.octet_string(inner),
    )


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        (
            _der.sequence(
                _der.integer(1),
                _der.octet_string(D.to_bytes(32, "big")),
                _der.explicit(1, _der.bit_string(sm2.encode_point(sm2.public_point(D + 1)))),
            ),
            "does not belong",
        ),
        (
            _der.sequence(
                _der.integer(1),
                _der.octet_string(D.to_bytes(32, "big")),
                _der.explicit(0, _der.oid("1.2.840.10045.3.1.7")),
            ),
            "other than sm2",
        ),
        (_der.sequence(_der.integer(1), _der.octet_string(b"\x00" * 32)), "out of range"),
        (
            _der.sequence(
                _der.integer(1), _der.octet_string((sm2.SM2P256V1.n - 1).to_bytes(32, "big"))
            ),
            "out of range",
        ),
        (_der.sequence(_der.integer(2), _der.octet_string(D.to_bytes(32, "big"))), "version"),
        (_der.sequence(_der.integer(1), _der.octet_string(b"\x01" * 33)), "32 bytes"),
    ],
    ids=["wrong-public", "wrong-curve", "zero", "n-1", "version", "too-long"],
)
def test_bad_sm2_private_keys_are_refused(inner: bytes, message: str) -> None:
    with pytest.raises(kp.KeyFormatError, match=message):
        kp.load_private_key(_pkcs8_with_inner(inner))


def test_points_off_the_curve_are_refused() -> None:
    off = b"\x04" + XA.to_bytes(32, "big") + (YA + 1).to_bytes(32, "big")
    with pytest.raises(kp.KeyFormatError, match="not on the curve"):
        kp.load_public_key(_alternative_oid_spki(off))
    with pytest.raises(kp.KeyFormatError, match="65 bytes"):
        kp.load_public_key(_alternative_oid_spki(off[:-1]))


def test_compressed_points_decode() -> None:
    prefix = 2 + (YA & 1)
    compressed = bytes([prefix]) + XA.to_bytes(32, "big")
    assert sm2.decode_point(compressed) == (XA, YA)
    public = kp.load_public_key(_alternative_oid_spki(compressed))
    assert public.spec == "SM2"
    assert kp.keys_match(sm2.private_key_to_pkcs8(D), public.der)


def test_decrypt_checks_c3_and_c1(pair_of: PairOf) -> None:
    pair = pair_of("SM2")
    ciphertext = sm2.Ciphertext.decode(kp.encrypt(pair.public_der, "SM2PKE", b"secret"))
    changed_c2 = sm2.Ciphertext(
        ciphertext.x1,
        ciphertext.y1,
        ciphertext.c3,
        bytes([ciphertext.c2[0] ^ 1]) + ciphertext.c2[1:],
    )
    with pytest.raises(kp.DecryptionError, match="C3 does not match"):
        kp.decrypt(pair.private_der, "SM2PKE", changed_c2.encode())
    off_curve = sm2.Ciphertext(ciphertext.x1, ciphertext.y1 ^ 1, ciphertext.c3, ciphertext.c2)
    with pytest.raises(kp.DecryptionError, match="not a point on the curve"):
        kp.decrypt(pair.private_der, "SM2PKE", off_curve.encode())
    with pytest.raises(kp.DecryptionError, match="C1C3C2"):
        kp.decrypt(pair.private_der, "SM2PKE", _der.sequence(_der.integer(1)))
    with pytest.raises(kp.DecryptionError):
        kp.decrypt(kp.generate("SM2").private_der, "SM2PKE", ciphertext.encode())
    with pytest.raises(ValueError, match="at least one byte"):
        kp.encrypt(pair.public_der, "SM2PKE", b"")


def test_signature_range_checks() -> None:
    public = (XA, YA)
    n = sm2.SM2P256V1.n
    assert not sm2.verify_digest(public, E, 0, S)
    assert not sm2.verify_digest(public, E, R, 0)
    assert not sm2.verify_digest(public, E, R + n, S)
    assert not sm2.verify_digest(public, E, R, n - R)  # r + s = n
    assert not sm2.verify_digest(public, E[:31], R, S)
    with pytest.raises(sm2.SM2Error):
        sm2.sign_digest(D, E[:31])
