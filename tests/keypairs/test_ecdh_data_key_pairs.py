"""ECDH for data key pairs on secp256k1, which KMS KEY_AGREEMENT keys do not offer but the
workbench does (a data key pair is used outside KMS): opt in with ``specs=``; OpenSSL's
``pkeyutl -derive`` is the oracle, in both directions."""

from __future__ import annotations

import pytest

from kmsworkbench import keypairs as kp
from kmsworkbench.keypairs.ecdh import DATA_KEY_PAIR_SPECS

from .conftest import OpenSSL


def test_secp256k1_needs_the_opt_in_and_matches_openssl(openssl: OpenSSL) -> None:
    ours, theirs = kp.generate("ECC_SECG_P256K1"), kp.generate("ECC_SECG_P256K1")
    with pytest.raises(kp.KeyAgreementError, match="ECC_SECG_P256K1 keys cannot"):
        kp.derive_shared_secret(ours.private_der, theirs.public_der)
    secret = kp.derive_shared_secret(ours.private_der, theirs.public_der, specs=DATA_KEY_PAIR_SPECS)
    for name, data in (
        ("ours.der", ours.private_der),
        ("theirs.der", theirs.private_der),
        ("ours_pub.der", ours.public_der),
        ("theirs_pub.der", theirs.public_der),
    ):
        openssl.write(name, data)
    for key, peer, out in (("ours", "theirs", "a.bin"), ("theirs", "ours", "b.bin")):
        openssl.run(
            "pkeyutl", "-derive", "-keyform", "DER", "-inkey", f"{key}.der",
            "-peerform", "DER", "-peerkey", f"{peer}_pub.der", "-out", out,
        )  # fmt: skip
    assert secret == openssl.read("a.bin") == openssl.read("b.bin")
    assert len(secret) == 32
    with pytest.raises(kp.KeyAgreementError, match="same curve"):
        kp.derive_shared_secret(
            ours.private_der, kp.generate("ECC_NIST_P256").public_der, specs=DATA_KEY_PAIR_SPECS
        )
