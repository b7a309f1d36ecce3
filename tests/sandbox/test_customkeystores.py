"""Simulated custom key stores through a real boto3 client, over both transports: the six
operations, their connection states on the sandbox clock, their errors, and keys in them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kmsworkbench.sandbox.operations.customkeystores import TRANSITION_SECONDS

_counter = iter(range(10_000))


def _certificate() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "customerCA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM).decode()


CERT = _certificate()


def cloudhsm(kms: Any, **extra: Any) -> str:
    n = next(_counter)
    request = {
        "CustomKeyStoreName": f"hsm-{n}",
        "CloudHsmClusterId": "cluster-abcdefgh" + "".join("klmnopqrst"[int(d)] for d in f"{n:03d}"),
        "TrustAnchorCertificate": CERT,
        "KeyStorePassword": "kmsuser-pass",
        **extra,
    }
    return kms.create_custom_key_store(**request)["CustomKeyStoreId"]


def xks(kms: Any, **extra: Any) -> str:
    n = next(_counter)
    request = {
        "CustomKeyStoreName": f"xks-{n}",
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyUriEndpoint": f"https://xks{n}.example.com",
        "XksProxyUriPath": "/kms/xks/v1",
        "XksProxyConnectivity": "PUBLIC_ENDPOINT",
        "XksProxyAuthenticationCredential": {
            "AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
            "RawSecretAccessKey": "a" * 43 + "=",
        },
        **extra,
    }
    return kms.create_custom_key_store(**request)["CustomKeyStoreId"]


def entry(kms: Any, store_id: str) -> dict[str, Any]:
    return kms.describe_custom_key_stores(CustomKeyStoreId=store_id)["CustomKeyStores"][0]


@pytest.fixture
def settle(advance_clock: Callable[[float], None]) -> Callable[[], None]:
    """Let a CONNECTING or DISCONNECTING store finish, on the sandbox clock."""
    return lambda: advance_clock(TRANSITION_SECONDS + 0.5)


def connect(kms: Any, store_id: str, settle: Callable[[], None]) -> None:
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert entry(kms, store_id)["ConnectionState"] == "CONNECTING"
    settle()
    assert entry(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_cloudhsm_store_lifecycle_and_keys(kms: Any, settle: Any, error_of: Any) -> None:
    store_id = cloudhsm(kms)
    assert store_id.startswith("cks-") and len(store_id) == 21
    found = entry(kms, store_id)
    assert (
        found["ConnectionState"] == "DISCONNECTED" and found["CustomKeyStoreType"] == "AWS_CLOUDHSM"
    )
    assert found["TrustAnchorCertificate"] == CERT and "ConnectionErrorCode" not in found
    request = {"CustomKeyStoreId": store_id, "Origin": "AWS_CLOUDHSM"}
    assert error_of(kms.create_key, **request)["Code"] == "CustomKeyStoreInvalidStateException"
    connect(kms, store_id, settle)
    md = kms.create_key(**request)["KeyMetadata"]
    assert md["CustomKeyStoreId"] == store_id and md["Origin"] == "AWS_CLOUDHSM"
    assert md["CloudHsmClusterId"] == found["CloudHsmClusterId"]
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"hsm")["CiphertextBlob"]
    err = error_of(kms.generate_data_key_pair, KeyId=md["KeyId"], KeyPairSpec="ECC_NIST_P256")
    assert err["Code"] == "UnsupportedOperationException" and "custom key store" in err["Message"]
    assert len(kms.generate_random(NumberOfBytes=8, CustomKeyStoreId=store_id)["Plaintext"]) == 8
    # Disconnected: the key is Unavailable for cryptography, still manageable.
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert entry(kms, store_id)["ConnectionState"] == "DISCONNECTING"
    settle()
    assert entry(kms, store_id)["ConnectionState"] == "DISCONNECTED"
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "Unavailable"
    err = error_of(kms.decrypt, CiphertextBlob=blob)
    assert err == {"Code": "KMSInvalidStateException", "Message": f"{md['Arn']} is unavailable."}
    kms.tag_resource(KeyId=md["KeyId"], Tags=[{"TagKey": "k", "TagValue": "v"}])
    assert error_of(kms.delete_custom_key_store, CustomKeyStoreId=store_id)["Code"] == (
        "CustomKeyStoreHasCMKsException"
    )
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    connect(kms, store_id, settle)
    assert error_of(kms.delete_custom_key_store, CustomKeyStoreId=store_id)["Code"] == (
        "CustomKeyStoreHasCMKsException"
    )


def test_wrong_password_fails_the_connection(kms: Any, settle: Any, error_of: Any) -> None:
    store_id = cloudhsm(kms)
    kms.update_custom_key_store(CustomKeyStoreId=store_id, KeyStorePassword="not-the-one")
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    settle()
    found = entry(kms, store_id)
    assert (found["ConnectionState"], found["ConnectionErrorCode"]) == (
        "FAILED",
        "INVALID_CREDENTIALS",
    )
    err = error_of(kms.connect_custom_key_store, CustomKeyStoreId=store_id)
    assert err["Code"] == "CustomKeyStoreInvalidStateException"
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    settle()
    kms.update_custom_key_store(CustomKeyStoreId=store_id, KeyStorePassword="kmsuser-pass")
    connect(kms, store_id, settle)
    # Connected: only the name may change.
    kms.update_custom_key_store(CustomKeyStoreId=store_id, NewCustomKeyStoreName="renamed-hsm")
    assert entry(kms, store_id)["CustomKeyStoreName"] == "renamed-hsm"
    err = error_of(kms.update_custom_key_store, CustomKeyStoreId=store_id, KeyStorePassword="x" * 8)
    assert err["Code"] == "CustomKeyStoreInvalidStateException"
    assert error_of(kms.delete_custom_key_store, CustomKeyStoreId=store_id)["Code"] == (
        "CustomKeyStoreInvalidStateException"
    )
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert error_of(kms.disconnect_custom_key_store, CustomKeyStoreId=store_id)["Code"] == (
        "CustomKeyStoreInvalidStateException"
    )
    settle()
    kms.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert error_of(kms.describe_custom_key_stores, CustomKeyStoreId=store_id)["Code"] == (
        "CustomKeyStoreNotFoundException"
    )


def test_external_key_store_and_its_keys(kms: Any, settle: Any, error_of: Any) -> None:
    store_id = xks(kms)
    found = entry(kms, store_id)
    assert found["XksProxyConfiguration"] == {
        "Connectivity": "PUBLIC_ENDPOINT",
        "AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
        "UriEndpoint": found["XksProxyConfiguration"]["UriEndpoint"],
        "UriPath": "/kms/xks/v1",
    }
    connect(kms, store_id, settle)
    base = {"CustomKeyStoreId": store_id, "Origin": "EXTERNAL_KEY_STORE"}
    assert error_of(kms.create_key, **base)["Code"] == "ValidationException"  # no XksKeyId
    md = kms.create_key(**base, XksKeyId="ext-key-1")["KeyMetadata"]
    assert md["XksKeyConfiguration"] == {"Id": "ext-key-1"} and md["Origin"] == "EXTERNAL_KEY_STORE"
    assert (
        error_of(kms.create_key, **base, XksKeyId="ext-key-1")["Code"]
        == "XksKeyAlreadyInUseException"
    )
    assert (
        error_of(kms.create_key, **base, XksKeyId="k2", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")[
            "Code"
        ]
        == "UnsupportedOperationException"
    )
    assert (
        error_of(kms.create_key, **{**base, "Origin": "AWS_CLOUDHSM"})["Code"]
        == "ValidationException"
    )
    assert error_of(kms.generate_random, NumberOfBytes=8, CustomKeyStoreId=store_id)["Code"] == (
        "UnsupportedOperationException"
    )
    kms.update_custom_key_store(CustomKeyStoreId=store_id, XksProxyUriPath="/a/kms/xks/v1")
    assert entry(kms, store_id)["XksProxyConfiguration"]["UriPath"] == "/a/kms/xks/v1"
    err = error_of(kms.update_custom_key_store, CustomKeyStoreId=store_id,
                   XksProxyUriEndpoint="https://moved.example.com")  # fmt: skip
    assert err["Code"] == "CustomKeyStoreInvalidStateException"


def test_create_custom_key_store_errors(kms: Any, error_of: Any) -> None:
    first = cloudhsm(kms)
    cluster = entry(kms, first)["CloudHsmClusterId"]
    name = entry(kms, first)["CustomKeyStoreName"]
    proxy = xks(kms)
    endpoint = entry(kms, proxy)["XksProxyConfiguration"]["UriEndpoint"]
    cred = {"AccessKeyId": "ABCDEFGHIJKLMNOPQRST", "RawSecretAccessKey": "b" * 43 + "="}
    cases: list[tuple[Callable[..., Any], dict[str, Any], str]] = [
        (cloudhsm, {"CustomKeyStoreName": name}, "CustomKeyStoreNameInUseException"),
        (cloudhsm, {"CloudHsmClusterId": cluster}, "CloudHsmClusterInUseException"),
        (cloudhsm, {"TrustAnchorCertificate": "not a certificate"}, "IncorrectTrustAnchorException"),
        (cloudhsm, {"XksProxyUriPath": "/kms/xks/v1"}, "ValidationException"),
        (xks, {"XksProxyUriEndpoint": endpoint}, "XksProxyUriInUseException"),
        (xks, {"XksProxyConnectivity": "VPC_ENDPOINT_SERVICE"}, "ValidationException"),
        (xks, {"XksProxyUriEndpoint": endpoint, "XksProxyUriPath": "/p/kms/xks/v1",
               "XksProxyConnectivity": "VPC_ENDPOINT_SERVICE", "XksProxyAuthenticationCredential": cred,
               "XksProxyVpcEndpointServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0abc"},
         "XksProxyUriEndpointInUseException"),
        (xks, {"KeyStorePassword": "kmsuser-pass"}, "ValidationException"),
    ]  # fmt: skip
    for make, extra, code in cases:
        assert error_of(make, kms=kms, **extra)["Code"] == code, extra
    err = error_of(kms.create_custom_key_store, CustomKeyStoreName="lonely")
    assert err["Code"] == "ValidationException"  # an AWS_CLOUDHSM store needs its cluster
    assert error_of(kms.update_custom_key_store, CustomKeyStoreId=first,
                    CloudHsmClusterId="cluster-zzzzzzzzzzz")["Code"] == "CloudHsmClusterNotRelatedException"  # fmt: skip
    for bad in ({"CustomKeyStoreId": "cks-00000000000000000"}, {"CustomKeyStoreName": "absent"}):
        assert (
            error_of(kms.describe_custom_key_stores, **bad)["Code"]
            == "CustomKeyStoreNotFoundException"
        )
    assert (
        error_of(kms.describe_custom_key_stores, CustomKeyStoreId=first, CustomKeyStoreName=name)[
            "Code"
        ]
        == "ValidationException"
    )
    for call in (kms.connect_custom_key_store, kms.disconnect_custom_key_store,
                 kms.delete_custom_key_store, kms.update_custom_key_store):  # fmt: skip
        err = error_of(call, CustomKeyStoreId="cks-00000000000000000")
        assert err["Code"] == "CustomKeyStoreNotFoundException"
    assert (
        error_of(kms.create_key, CustomKeyStoreId="cks-00000000000000000", Origin="AWS_CLOUDHSM")[
            "Code"
        ]
        == "CustomKeyStoreNotFoundException"
    )


def test_listing_pages_and_the_quota(kms: Any, error_of: Any) -> None:
    while len(kms.describe_custom_key_stores()["CustomKeyStores"]) < 10:
        cloudhsm(kms)
    err = error_of(cloudhsm, kms=kms)
    assert err["Code"] == "LimitExceededException"
    first = kms.describe_custom_key_stores(Limit=4)
    assert len(first["CustomKeyStores"]) == 4 and first["Truncated"]
    rest = kms.describe_custom_key_stores(Marker=first["NextMarker"])
    ids = [s["CustomKeyStoreId"] for s in first["CustomKeyStores"] + rest["CustomKeyStores"]]
    assert len(ids) == len(set(ids)) == 10 and not rest["Truncated"]


def test_the_seeded_store_and_key(kms: Any, error_of: Any) -> None:
    stores = kms.describe_custom_key_stores(CustomKeyStoreName="workbench-cloudhsm")[
        "CustomKeyStores"
    ]
    assert stores[0]["ConnectionState"] == "CONNECTED"
    keys = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
    (seeded,) = [k for k in keys if k.get("CustomKeyStoreId") == stores[0]["CustomKeyStoreId"]]
    assert seeded["Origin"] == "AWS_CLOUDHSM" and seeded["KeyState"] == "Enabled"
    kms.generate_data_key(KeyId=seeded["KeyId"], KeySpec="AES_256")  # data keys: fine
    err = error_of(kms.generate_data_key_pair_without_plaintext, KeyId=seeded["KeyId"],
                   KeyPairSpec="RSA_2048")  # fmt: skip
    assert err["Code"] == "UnsupportedOperationException"
