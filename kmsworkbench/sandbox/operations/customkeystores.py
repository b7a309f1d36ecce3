"""Custom key stores, simulated: CreateCustomKeyStore, DescribeCustomKeyStores,
ConnectCustomKeyStore, DisconnectCustomKeyStore, UpdateCustomKeyStore, DeleteCustomKeyStore,
and the KMS keys that live in them (CreateKey CustomKeyStoreId; Origin AWS_CLOUDHSM or
EXTERNAL_KEY_STORE).

There is no CloudHSM cluster or external key store proxy behind a sandbox store; the sandbox
plays both, as a cluster or proxy that is always reachable and well configured and whose own
credential is the one given at creation (the kmsuser password, the proxy authentication
credential). So:

- ConnectCustomKeyStore starts CONNECTING; TRANSITION_SECONDS of sandbox time later the
  store is CONNECTED, or FAILED (INVALID_CREDENTIALS / XKS_PROXY_ACCESS_DENIED) when KMS was
  since told a different credential (UpdateCustomKeyStore), exactly as a real cluster or
  proxy would refuse it. DisconnectCustomKeyStore goes through DISCONNECTING likewise.
- The keys of a store that is not CONNECTED are ``Unavailable``: every cryptographic
  operation answers KMSInvalidStateException, management operations still work.
- CloudHSM cluster ids are accepted as given (the sandbox has no clusters to look up), a
  TrustAnchorCertificate must be a PEM X.509 certificate, and two different cluster ids never
  share a backup history (UpdateCustomKeyStore answers CloudHsmClusterNotRelatedException).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import replace
from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox import store_external as X
from kmsworkbench.sandbox.core import Params, Request, Response, operation, page, tx
from kmsworkbench.sandbox.core.keys import KEY_VIEWS
from kmsworkbench.sandbox.core.metadata import METADATA_HOOKS
from kmsworkbench.sandbox.store import KeyRecord

TRANSITION_SECONDS = 1.0
MAX_STORES = 10  # "Custom key stores per account per Region" quota (KMS quotas)
STORE_ORIGINS = {"AWS_CLOUDHSM": "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE": "EXTERNAL_KEY_STORE"}
_CLOUDHSM_ONLY = ("CloudHsmClusterId", "TrustAnchorCertificate", "KeyStorePassword")
_XKS_ONLY = (
    "XksProxyUriEndpoint",
    "XksProxyUriPath",
    "XksProxyVpcEndpointServiceName",
    "XksProxyVpcEndpointServiceOwner",
    "XksProxyAuthenticationCredential",
    "XksProxyConnectivity",
)


# --- credentials (kept only as a salted hash of the creation's) -------------------------


def _hash_credential(secret: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=2**12, r=8, p=1, dklen=32)
    return salt.hex() + ":" + digest.hex()


def _matches(secret: str, stored: str) -> bool:
    salt_hex, _ = stored.split(":", 1)
    return hmac.compare_digest(_hash_credential(secret, bytes.fromhex(salt_hex)), stored)


def _credential_of(p: Params, store_type: str) -> str | None:
    if store_type == "AWS_CLOUDHSM":
        return p.get("KeyStorePassword")
    credential = p.get("XksProxyAuthenticationCredential")
    if credential is None:
        return None
    return f"{credential['AccessKeyId']}\x00{credential['RawSecretAccessKey']}"


# --- connection state -------------------------------------------------------------------


def connection(r: Request, cks: X.CustomKeyStore) -> tuple[str, str | None]:
    """(ConnectionState, ConnectionErrorCode) as of the sandbox clock."""
    settled = r.now >= cks.state_since + TRANSITION_SECONDS
    if cks.state == "CONNECTING" and settled:
        if cks.credential_ok:
            return "CONNECTED", None
        code = (
            "INVALID_CREDENTIALS" if cks.store_type == "AWS_CLOUDHSM" else "XKS_PROXY_ACCESS_DENIED"
        )
        return "FAILED", code
    if cks.state == "DISCONNECTING" and settled:
        return "DISCONNECTED", None
    return cks.state, cks.error_code


def _settled(r: Request, cks: X.CustomKeyStore) -> X.CustomKeyStore:
    state, code = connection(r, cks)
    if state == cks.state:
        return cks
    return replace(
        cks, state=state, error_code=code, state_since=cks.state_since + TRANSITION_SECONDS
    )


def find_store(r: Request, store_id: str) -> X.CustomKeyStore:
    cks = X.get_custom_key_store(r.store, r.region, store_id)
    if cks is None:
        raise E.err("custom_key_store_not_found", store_id=store_id)
    return _settled(r, cks)


def _check_quota_and_names(r: Request, p: Params, name: str, store_id: str | None) -> None:
    stores = [_settled(r, s) for s in X.all_custom_key_stores(r.store, r.region)]
    others = [s for s in stores if s.store_id != store_id]
    if any(s.name == name for s in others):
        raise E.err("custom_key_store_name_in_use", name=name)
    if store_id is None and len(stores) >= MAX_STORES:
        raise E.err("custom_key_store_limit", limit=MAX_STORES, region=r.region)


def _check_uniqueness(r: Request, candidate: X.CustomKeyStore) -> None:
    """The per-Region uniqueness rules for clusters and proxy addresses (model docs)."""
    for other in X.all_custom_key_stores(r.store, r.region):
        if other.store_id == candidate.store_id or other.store_type != candidate.store_type:
            continue
        if candidate.store_type == "AWS_CLOUDHSM":
            if other.cluster_id == candidate.cluster_id:
                raise E.err("cloudhsm_cluster_in_use", cluster=candidate.cluster_id,
                            other=other.store_id)  # fmt: skip
            continue
        if (other.xks_endpoint, other.xks_path) == (candidate.xks_endpoint, candidate.xks_path):
            raise E.err("xks_uri_in_use", address=f"{candidate.xks_endpoint}{candidate.xks_path}",
                        other=other.store_id)  # fmt: skip
        vpc = "VPC_ENDPOINT_SERVICE"
        if other.xks_endpoint == candidate.xks_endpoint and vpc in (
            other.xks_connectivity,
            candidate.xks_connectivity,
        ):
            raise E.err(
                "xks_endpoint_in_use", endpoint=candidate.xks_endpoint, other=other.store_id
            )
        if candidate.xks_vpc_service and other.xks_vpc_service == candidate.xks_vpc_service:
            raise E.err("xks_vpc_service_in_use", service=candidate.xks_vpc_service,
                        other=other.store_id)  # fmt: skip


def _check_trust_anchor(pem: str) -> None:
    from cryptography import x509

    try:
        x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except ValueError as exc:
        raise E.err("trust_anchor_invalid") from exc


def _refuse_members(p: Params, members: tuple[str, ...], store_type: str) -> None:
    given = [m for m in members if p.get(m) is not None]
    if given:
        raise E.err("store_members_invalid", store_type=store_type,
                    members=", ".join(given) + (" is" if len(given) == 1 else " are"))  # fmt: skip


def _require(p: Params, members: tuple[str, ...], store_type: str) -> None:
    missing = [m for m in members if not p.get(m)]
    if missing:
        raise E.err("store_members_required", store_type=store_type,
                    members=", ".join(missing) + (" is" if len(missing) == 1 else " are"))  # fmt: skip


def _xks_fields(p: Params, cks: X.CustomKeyStore | None) -> dict[str, Any]:
    connectivity = p.get("XksProxyConnectivity") or (cks.xks_connectivity if cks else None)
    fields: dict[str, Any] = {
        "xks_endpoint": p.get("XksProxyUriEndpoint") or (cks.xks_endpoint if cks else None),
        "xks_path": p.get("XksProxyUriPath") or (cks.xks_path if cks else None),
        "xks_connectivity": connectivity,
        "xks_vpc_service": p.get("XksProxyVpcEndpointServiceName")
        if "XksProxyVpcEndpointServiceName" in p
        else (cks.xks_vpc_service if cks else None),
        "xks_vpc_owner": p.get("XksProxyVpcEndpointServiceOwner")
        or (cks.xks_vpc_owner if cks else None),
    }
    credential = p.get("XksProxyAuthenticationCredential")
    if credential is not None:
        fields["xks_access_key"] = credential["AccessKeyId"]
    if connectivity == "VPC_ENDPOINT_SERVICE" and not fields["xks_vpc_service"]:
        raise E.err("xks_vpc_service_required")
    if connectivity == "PUBLIC_ENDPOINT":
        fields["xks_vpc_service"] = fields["xks_vpc_owner"] = None
    return fields


@operation("CreateCustomKeyStore")
def create_custom_key_store(r: Request, p: Params) -> Response:
    store_type = p.get("CustomKeyStoreType") or "AWS_CLOUDHSM"  # the documented default
    if store_type == "AWS_CLOUDHSM":
        _refuse_members(p, _XKS_ONLY, store_type)
        _require(p, _CLOUDHSM_ONLY, store_type)
        _check_trust_anchor(p["TrustAnchorCertificate"])
    else:
        _refuse_members(p, _CLOUDHSM_ONLY, store_type)
        _require(
            p,
            (
                "XksProxyUriEndpoint",
                "XksProxyUriPath",
                "XksProxyAuthenticationCredential",
                "XksProxyConnectivity",
            ),
            store_type,
        )
    credential = _credential_of(p, store_type)
    assert credential is not None
    backing = _hash_credential(credential)  # outside the transaction: scrypt is slow-ish
    store_id = "cks-" + secrets.token_hex(9)[:17]

    def work(write: bool) -> Response:
        _check_quota_and_names(r, p, p["CustomKeyStoreName"], None)
        fields: dict[str, Any] = {
            "xks_endpoint": None,
            "xks_path": None,
            "xks_connectivity": None,
            "xks_vpc_service": None,
            "xks_vpc_owner": None,
            "xks_access_key": None,
        }
        if store_type == "EXTERNAL_KEY_STORE":
            fields.update(_xks_fields(p, None))
            if fields["xks_connectivity"] == "VPC_ENDPOINT_SERVICE" and not fields["xks_vpc_owner"]:
                fields["xks_vpc_owner"] = r.account_id  # "the calling account" by default
        cks = X.CustomKeyStore(
            region=r.region,
            store_id=store_id,
            name=p["CustomKeyStoreName"],
            store_type=store_type,
            cluster_id=p.get("CloudHsmClusterId"),
            trust_anchor=p.get("TrustAnchorCertificate"),
            backing_hash=backing,
            credential_ok=1,
            state="DISCONNECTED",
            state_since=r.now,
            error_code=None,
            created=r.now,
            **fields,
        )
        _check_uniqueness(r, cks)
        X.put_custom_key_store(r.store, cks)
        return {"CustomKeyStoreId": store_id}

    return tx(r, work, write=True)


def _entry(r: Request, cks: X.CustomKeyStore) -> dict[str, Any]:
    state, code = connection(r, cks)
    entry: dict[str, Any] = {
        "CustomKeyStoreId": cks.store_id,
        "CustomKeyStoreName": cks.name,
        "CustomKeyStoreType": cks.store_type,
        "ConnectionState": state,
        "CreationDate": cks.created,
    }
    if code is not None:
        entry["ConnectionErrorCode"] = code
    if cks.store_type == "AWS_CLOUDHSM":
        entry["CloudHsmClusterId"] = cks.cluster_id
        entry["TrustAnchorCertificate"] = cks.trust_anchor
    else:
        proxy = {
            "Connectivity": cks.xks_connectivity,
            "AccessKeyId": cks.xks_access_key,
            "UriEndpoint": cks.xks_endpoint,
            "UriPath": cks.xks_path,
            "VpcEndpointServiceName": cks.xks_vpc_service,
            "VpcEndpointServiceOwner": cks.xks_vpc_owner,
        }
        entry["XksProxyConfiguration"] = {k: v for k, v in proxy.items() if v is not None}
    return entry


@operation("DescribeCustomKeyStores")
def describe_custom_key_stores(r: Request, p: Params) -> Response:
    store_id, name = p.get("CustomKeyStoreId"), p.get("CustomKeyStoreName")
    if store_id and name:
        raise E.err("store_id_or_name")  # "either ... or ..., but not both" (model docs)

    def work(write: bool) -> Response:
        if store_id:
            return {"CustomKeyStores": [_entry(r, find_store(r, store_id))], "Truncated": False}
        if name:
            found = [s for s in X.all_custom_key_stores(r.store, r.region) if s.name == name]
            if not found:
                raise E.err("custom_key_store_name_not_found", name=name)
            return {"CustomKeyStores": [_entry(r, found[0])], "Truncated": False}
        rows, extra = page(
            "custom-key-stores",
            r,
            p,
            100,
            lambda after, n: X.list_custom_key_stores(r.store, r.region, after, n),
            lambda s: s.store_id,
        )
        return {"CustomKeyStores": [_entry(r, s) for s in rows], **extra}

    return tx(r, work)


def _set_state(r: Request, cks: X.CustomKeyStore, state: str) -> None:
    X.put_custom_key_store(r.store, replace(cks, state=state, state_since=r.now, error_code=None))


@operation("ConnectCustomKeyStore")
def connect_custom_key_store(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        cks = find_store(r, p["CustomKeyStoreId"])
        if cks.state in ("DISCONNECTING", "FAILED"):
            raise E.err(
                "custom_key_store_state",
                store_id=cks.store_id,
                state=cks.state,
                operation=r.operation,
            )
        if cks.state == "DISCONNECTED":
            _set_state(r, cks, "CONNECTING")
        return {}  # CONNECTED or CONNECTING already: nothing to do

    return tx(r, work, write=True)


@operation("DisconnectCustomKeyStore")
def disconnect_custom_key_store(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        cks = find_store(r, p["CustomKeyStoreId"])
        if cks.state in ("DISCONNECTING", "DISCONNECTED"):
            raise E.err(
                "custom_key_store_state",
                store_id=cks.store_id,
                state=cks.state,
                operation=r.operation,
            )
        _set_state(r, cks, "DISCONNECTING")
        return {}

    return tx(r, work, write=True)


# What UpdateCustomKeyStore may change while the store is connected (model docs).
_WHILE_CONNECTED = {
    "AWS_CLOUDHSM": {"NewCustomKeyStoreName"},
    "EXTERNAL_KEY_STORE": {
        "NewCustomKeyStoreName",
        "XksProxyAuthenticationCredential",
        "XksProxyUriPath",
    },
}


@operation("UpdateCustomKeyStore")
def update_custom_key_store(r: Request, p: Params) -> Response:
    changes = {m for m in p if m != "CustomKeyStoreId" and p[m] is not None}
    credential_checked: dict[str, bool] = {}

    def work(write: bool) -> Response:
        cks = find_store(r, p["CustomKeyStoreId"])
        if cks.store_type == "AWS_CLOUDHSM":
            _refuse_members(p, _XKS_ONLY, cks.store_type)
        else:
            _refuse_members(p, _CLOUDHSM_ONLY[:2] + ("KeyStorePassword",), cks.store_type)
        if cks.state != "DISCONNECTED" and not (
            cks.state == "CONNECTED" and changes <= _WHILE_CONNECTED[cks.store_type]
        ):
            raise E.err(
                "custom_key_store_state",
                store_id=cks.store_id,
                state=cks.state,
                operation=r.operation,
            )
        updated = cks
        if p.get("NewCustomKeyStoreName"):
            _check_quota_and_names(r, p, p["NewCustomKeyStoreName"], cks.store_id)
            updated = replace(updated, name=p["NewCustomKeyStoreName"])
        cluster = p.get("CloudHsmClusterId")
        if cluster and cluster != cks.cluster_id:
            raise E.err("cloudhsm_cluster_not_related", cluster=cluster, current=cks.cluster_id,
                        store_id=cks.store_id)  # fmt: skip
        if cks.store_type == "EXTERNAL_KEY_STORE":
            updated = replace(updated, **_xks_fields(p, cks))
            _check_uniqueness(r, updated)
        credential = _credential_of(p, cks.store_type)
        if credential is not None:
            if credential not in credential_checked:
                credential_checked[credential] = _matches(credential, cks.backing_hash)
            updated = replace(updated, credential_ok=int(credential_checked[credential]))
        X.put_custom_key_store(r.store, updated)
        return {}

    return tx(r, work, write=True)


@operation("DeleteCustomKeyStore")
def delete_custom_key_store(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        cks = find_store(r, p["CustomKeyStoreId"])
        if X.count_store_keys(r.store, r.region, cks.store_id):
            raise E.err("custom_key_store_has_keys", store_id=cks.store_id)
        if cks.state != "DISCONNECTED":
            raise E.err(
                "custom_key_store_state",
                store_id=cks.store_id,
                state=cks.state,
                operation=r.operation,
            )
        X.delete_custom_key_store(r.store, r.region, cks.store_id)
        return {}

    return tx(r, work, write=True)


# --- keys in custom key stores ----------------------------------------------------------


def check_new_key(r: Request, p: Params, origin: str, spec: str, usage: str) -> None:
    """CreateKey's rules for CustomKeyStoreId, Origin and XksKeyId (before any key is made)."""
    store_id = p.get("CustomKeyStoreId")
    if origin in STORE_ORIGINS and not store_id:
        raise E.err("custom_key_store_required", origin=origin)
    if store_id and origin not in STORE_ORIGINS:
        raise E.err("store_origin_needed")
    if p.get("XksKeyId") and origin != "EXTERNAL_KEY_STORE":
        raise E.err("xks_key_id_misplaced")
    if origin == "EXTERNAL_KEY_STORE" and not p.get("XksKeyId"):
        raise E.err("xks_key_id_required")
    if not store_id:
        return
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        raise E.err("store_key_spec", spec=spec)  # "only symmetric encryption KMS keys"
    if p.get("MultiRegion"):
        raise E.err("store_multi_region")


def attach_new_key(r: Request, p: Params, key_id: str, origin: str) -> None:
    """Inside CreateKey's transaction: the store must exist, be CONNECTED and match the
    Origin; record the key as one of its keys."""
    store_id = p.get("CustomKeyStoreId")
    if not store_id:
        return
    cks = find_store(r, store_id)
    if STORE_ORIGINS[cks.store_type] != origin:
        raise E.err("store_origin_mismatch", store_id=store_id, store_type=cks.store_type,
                    origin=STORE_ORIGINS[cks.store_type])  # fmt: skip
    if cks.state != "CONNECTED":
        raise E.err(
            "custom_key_store_state", store_id=store_id, state=cks.state, operation=r.operation
        )
    xks_key_id = p.get("XksKeyId")
    if xks_key_id and X.xks_key_in_use(r.store, r.region, store_id, xks_key_id):
        raise E.err("xks_key_in_use", xks_key_id=xks_key_id, store_id=store_id)
    X.put_store_key(r.store, r.region, key_id, store_id, xks_key_id)


def _unavailable_view(r: Request, key: KeyRecord) -> KeyRecord:
    """A key whose custom key store is not CONNECTED is Unavailable (key-state table)."""
    if key.origin not in STORE_ORIGINS or key.state not in ("Enabled", "Disabled"):
        return key
    found = X.store_of_key(r.store, key.region, key.key_id)
    cks = None if found is None else X.get_custom_key_store(r.store, key.region, found[0])
    if cks is not None and connection(r, cks)[0] == "CONNECTED":
        return key
    return replace(key, state="Unavailable")


def _metadata(r: Request, key: KeyRecord, md: dict[str, Any]) -> None:
    if key.origin not in STORE_ORIGINS:
        return
    found = X.store_of_key(r.store, key.region, key.key_id)
    if found is None:
        return
    store_id, xks_key_id = found
    md["CustomKeyStoreId"] = store_id
    cks = X.get_custom_key_store(r.store, key.region, store_id)
    if cks is not None and cks.cluster_id:
        md["CloudHsmClusterId"] = cks.cluster_id
    if xks_key_id:
        md["XksKeyConfiguration"] = {"Id": xks_key_id}


def refuse_data_key_pair(r: Request, key: KeyRecord) -> None:
    """GenerateDataKeyPair*: "You cannot specify ... a KMS key in a custom key store" (model
    docs). UnsupportedOperationException is in both operations' error lists; the code and
    wording are unverified (kms-semantics.md 1.3, 6)."""
    if key.origin in STORE_ORIGINS:
        raise E.err("store_no_data_key_pairs", arn=r.key_arn(key.key_id))


def random_source(r: Request, store_id: str) -> None:
    """GenerateRandom CustomKeyStoreId: a connected CloudHSM key store's cluster."""

    def work(write: bool) -> None:
        cks = find_store(r, store_id)
        if cks.store_type == "EXTERNAL_KEY_STORE":
            raise E.err("xks_no_random")
        if cks.state != "CONNECTED":
            raise E.err(
                "custom_key_store_state", store_id=store_id, state=cks.state, operation=r.operation
            )

    tx(r, work)


SEED_STORE_NAME = "workbench-cloudhsm"


def _seed_certificate() -> str:
    """A self-signed certificate standing in for the seeded cluster's customerCA.crt."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kmsworkbench sandbox customerCA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def seed_store(r: Request, name: str) -> str:
    """The seeded CloudHSM key store of a fresh Region, CONNECTED. Its kmsuser password is
    one nobody was told (no password matches the stored hash)."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    cluster = "cluster-" + "".join(secrets.choice(alphabet) for _ in range(11))
    store_id = "cks-" + secrets.token_hex(9)[:17]
    X.put_custom_key_store(
        r.store,
        X.CustomKeyStore(
            region=r.region,
            store_id=store_id,
            name=name,
            store_type="AWS_CLOUDHSM",
            cluster_id=cluster,
            trust_anchor=_seed_certificate(),
            backing_hash=os.urandom(16).hex() + ":" + os.urandom(32).hex(),
            credential_ok=1,
            xks_endpoint=None,
            xks_path=None,
            xks_connectivity=None,
            xks_vpc_service=None,
            xks_vpc_owner=None,
            xks_access_key=None,
            state="CONNECTED",
            state_since=r.now,
            error_code=None,
            created=r.now,
        ),
    )
    return store_id


KEY_VIEWS.append(_unavailable_view)
METADATA_HOOKS.append(_metadata)
