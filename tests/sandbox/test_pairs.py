"""Data key pairs for all twelve specs: the decrypted private key matches the public key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kmsworkbench import keypairs
from kmsworkbench.sandbox.inprocess import make_client


@pytest.fixture(scope="module")
def kms_cn_inprocess(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # SM2 is China-only and ML-KEM is not in China, so each spec runs in cn-north-1 when it
    # is offered there (eleven of the twelve) and in us-east-1 otherwise.
    return make_client(tmp_path_factory.mktemp("pairs") / "data", region="cn-north-1")


@pytest.fixture(scope="module")
def kms_us_inprocess(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_client(tmp_path_factory.mktemp("pairs-us") / "data", region="us-east-1")


@pytest.mark.parametrize("spec", keypairs.SPEC_NAMES)
def test_every_spec(kms_cn_inprocess: Any, kms_us_inprocess: Any, spec: str) -> None:
    china = keypairs.get_spec(spec).available_in("cn-north-1")
    kms = kms_cn_inprocess if china else kms_us_inprocess
    context = {"purpose": "test", "spec": spec}
    out = kms.generate_data_key_pair_without_plaintext(
        KeyId="alias/workbench-demo", KeyPairSpec=spec, EncryptionContext=context
    )
    assert out["KeyPairSpec"] == spec
    assert keypairs.spec_of_public_key(out["PublicKey"]) == spec
    assert len(out["PrivateKeyCiphertextBlob"]) <= 6144
    dec = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext=context)
    assert dec["KeyId"] == out["KeyId"] and dec["KeyMaterialId"] == out["KeyMaterialId"]
    assert keypairs.spec_of_private_key(dec["Plaintext"]) == spec
    assert keypairs.keys_match(dec["Plaintext"], out["PublicKey"])


def test_spec_list_matches_the_api(kms_cn_inprocess: Any) -> None:
    model = kms_cn_inprocess.meta.service_model.shape_for("DataKeyPairSpec")
    assert set(model.enum) == set(keypairs.SPEC_NAMES) and len(model.enum) == 12


@pytest.mark.parametrize(
    "spec", ["RSA_2048", "ECC_NIST_P521", "ECC_NIST_EDWARDS25519", "ML_KEM_768"]
)
def test_pairs_with_plaintext_over_both_transports(kms: Any, spec: str) -> None:
    out = kms.generate_data_key_pair(KeyId="alias/workbench-demo", KeyPairSpec=spec)
    assert keypairs.keys_match(out["PrivateKeyPlaintext"], out["PublicKey"])
    dec = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])
    assert dec["Plaintext"] == out["PrivateKeyPlaintext"]


def test_two_pairs_differ(tmp_path: Path) -> None:
    kms = make_client(tmp_path / "d")
    a = kms.generate_data_key_pair(KeyId="alias/workbench-demo", KeyPairSpec="ECC_NIST_P256")
    b = kms.generate_data_key_pair(KeyId="alias/workbench-demo", KeyPairSpec="ECC_NIST_P256")
    assert a["PublicKey"] != b["PublicKey"]
    assert a["PrivateKeyCiphertextBlob"] != b["PrivateKeyCiphertextBlob"]
