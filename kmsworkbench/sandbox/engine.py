"""The semantics of every KMS operation the sandbox answers.

``Engine.call(operation, params, region)`` takes the already-deserialised and validated
request members (blobs as ``bytes``) and returns the response members (blobs as ``bytes``,
timestamps as epoch seconds), or raises a :class:`~kmsworkbench.sandbox.errors.KmsError`.

The facts come from shared/reference/kms-semantics.md (sections 1 and 5). Where AWS's exact
behaviour is unverified, the choice is made once, with a comment saying so, either here or in
``errors.py`` (messages).

Order of checks in every key operation (AWS evaluates request validity, then the grant
tokens, then the key, then its state, then its usage; DryRun answers last, so a call that
would fail reports the real error):

    validation (protocol layer) -> grant tokens -> key resolution (NotFound...) ->
    AWS-managed-key policy -> key state -> key usage / key spec / algorithm ->
    operation-specific checks (ciphertext, digest length ...) -> DryRun -> the work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from kmsworkbench.sandbox import blob as blobfmt
from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.store import AliasRecord, GrantRecord, KeyRecord, Store

T = TypeVar("T")

DAY = 86_400.0

# China Regions use the aws-cn partition; SM2 is offered only there (kms-semantics.md 4.1).
CHINA_REGIONS = frozenset({"cn-north-1", "cn-northwest-1"})
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")

_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_MRK_RE = re.compile(r"^mrk-[0-9a-fA-F]{32}$")
_ARN_RE = re.compile(r"^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$")
_GRANT_ID_RE = re.compile(r"^[0-9a-f]{64}$")

RESERVED_ALIAS_PREFIX = "alias/aws/"

RSA_SIGNING = [
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
]
RSA_ENCRYPTION = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]

# Key spec -> {key usage -> algorithms}. This is "as AWS allows" (Developer Guide, key spec
# reference): RSA for encryption or signing; NIST curves for signing or key agreement;
# secp256k1 and Ed25519 for signing only; SM2 for all three (China Regions only); HMAC keys
# for MACs; ML-KEM for encapsulation.
KEY_SPECS: dict[str, dict[str, list[str]]] = {
    "SYMMETRIC_DEFAULT": {"ENCRYPT_DECRYPT": ["SYMMETRIC_DEFAULT"]},
    **{
        f"RSA_{bits}": {"ENCRYPT_DECRYPT": RSA_ENCRYPTION, "SIGN_VERIFY": RSA_SIGNING}
        for bits in (2048, 3072, 4096)
    },
    "ECC_NIST_P256": {"SIGN_VERIFY": ["ECDSA_SHA_256"], "KEY_AGREEMENT": ["ECDH"]},
    "ECC_NIST_P384": {"SIGN_VERIFY": ["ECDSA_SHA_384"], "KEY_AGREEMENT": ["ECDH"]},
    "ECC_NIST_P521": {"SIGN_VERIFY": ["ECDSA_SHA_512"], "KEY_AGREEMENT": ["ECDH"]},
    "ECC_SECG_P256K1": {"SIGN_VERIFY": ["ECDSA_SHA_256"]},
    # AWS also offers ED25519_PH_SHA_512 (Ed25519ph) for these keys; pyca/cryptography, and
    # so kmsworkbench.keypairs, has no Ed25519ph, so the sandbox advertises only what it can do.
    "ECC_NIST_EDWARDS25519": {"SIGN_VERIFY": ["ED25519_SHA_512"]},
    "SM2": {"ENCRYPT_DECRYPT": ["SM2PKE"], "SIGN_VERIFY": ["SM2DSA"], "KEY_AGREEMENT": ["ECDH"]},
    **{f"HMAC_{n}": {"GENERATE_VERIFY_MAC": [f"HMAC_SHA_{n}"]} for n in (224, 256, 384, 512)},
    **{f"ML_KEM_{n}": {"ENCAPSULATE_DECAPSULATE": ["ML_KEM"]} for n in (512, 768, 1024)},
    **{f"ML_DSA_{n}": {"SIGN_VERIFY": ["ML_DSA_SHAKE_256"]} for n in (44, 65, 87)},
}
# kmsworkbench.keypairs has no ML-DSA, so the sandbox cannot make ML-DSA KMS keys.
UNSUPPORTED_KEY_SPECS = frozenset({"ML_DSA_44", "ML_DSA_65", "ML_DSA_87"})
HMAC_SIZES = {"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}
USAGE_FIELDS = {
    "ENCRYPT_DECRYPT": "EncryptionAlgorithms",
    "SIGN_VERIFY": "SigningAlgorithms",
    "GENERATE_VERIFY_MAC": "MacAlgorithms",
    "KEY_AGREEMENT": "KeyAgreementAlgorithms",
    "ENCAPSULATE_DECAPSULATE": "EncapsulationAlgorithms",
}
# CustomerMasterKeySpec (deprecated) only has these values; newer specs leave it out.
LEGACY_SPECS = frozenset(
    {
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT",
        "HMAC_224",
        "HMAC_256",
        "HMAC_384",
        "HMAC_512",
        "SM2",
    }
)
DIGEST_SIZES = {
    "RSASSA_PSS_SHA_256": 32,
    "RSASSA_PSS_SHA_384": 48,
    "RSASSA_PSS_SHA_512": 64,
    "RSASSA_PKCS1_V1_5_SHA_256": 32,
    "RSASSA_PKCS1_V1_5_SHA_384": 48,
    "RSASSA_PKCS1_V1_5_SHA_512": 64,
    "ECDSA_SHA_256": 32,
    "ECDSA_SHA_384": 48,
    "ECDSA_SHA_512": 64,
    "SM2DSA": 32,
    "ED25519_PH_SHA_512": 64,
}
# The largest plaintext each asymmetric encryption algorithm takes: OAEP allows
# k - 2*hLen - 2 bytes (RFC 8017); AWS documents 1024 bytes for SM2PKE.
_OAEP_HASH = {"RSAES_OAEP_SHA_1": 20, "RSAES_OAEP_SHA_256": 32}
SM2PKE_MAX = 1024

GRANT_OPERATIONS_BY_USAGE = {
    "ENCRYPT_DECRYPT": {
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
    },
    "SIGN_VERIFY": {"Sign", "Verify"},
    "GENERATE_VERIFY_MAC": {"GenerateMac", "VerifyMac"},
    "KEY_AGREEMENT": {"DeriveSharedSecret"},
    "ENCAPSULATE_DECAPSULATE": {"Decapsulate"},
}
GRANT_OPERATIONS_ANY_KEY = {"CreateGrant", "RetireGrant", "DescribeKey", "GetPublicKey"}
MAX_TAGS = 50  # tags per KMS key (KMS quotas)

# The predefined AWS aliases a real account shows. alias/aws/ebs, alias/aws/s3 and
# alias/aws/secretsmanager point at AWS managed keys in a fresh sandbox (as if those
# services had been used); the rest have no TargetKeyId until first used.
AWS_MANAGED_ALIASES: dict[str, str] = {
    "acm": "Default key that protects my ACM private keys when no other key is defined",
    "dynamodb": "Default key that protects my DynamoDB data when no other key is defined",
    "ebs": "Default key that protects my EBS volumes when no other key is defined",
    "elasticfilesystem": "Default key that protects my EFS file systems when no other key is defined",
    "lambda": "Default key that protects my Lambda functions when no other key is defined",
    "rds": "Default key that protects my RDS database volumes when no other key is defined",
    "s3": "Default key that protects my S3 objects when no other key is defined",
    "secretsmanager": "Default key that protects my Secrets Manager data when no other key is defined",
    "sns": "Default key that protects my SNS data when no other key is defined",
    "ssm": "Default key that protects my SSM Parameter Store data when no other key is defined",
}
AWS_MANAGED_SEEDED = ("ebs", "s3", "secretsmanager")


class _NeedsWrite(Exception):
    """Raised inside a read transaction when the operation has to write after all."""


@dataclass(frozen=True, slots=True)
class Request:
    region: str
    partition: str
    account_id: str
    now: float

    def key_arn(self, key_id: str) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:key/{key_id}"

    def alias_arn(self, alias_name: str) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:{alias_name}"


def partition_of(region: str) -> str:
    return "aws-cn" if region in CHINA_REGIONS else "aws"


def new_material_id() -> str:
    return secrets.token_hex(32)


def _keypairs() -> Any:
    from kmsworkbench import keypairs

    return keypairs


@dataclass(frozen=True, slots=True)
class NewKey:
    """Material for a key about to be stored (made outside any transaction)."""

    key_spec: str
    material_id: str | None
    secret: bytes | None
    public_der: bytes | None

    def __repr__(self) -> str:
        return f"NewKey({self.key_spec!r})"


def make_material(key_spec: str) -> NewKey:
    """Fresh key material for a KMS key of ``key_spec`` (may take a while for RSA)."""
    if key_spec == "SYMMETRIC_DEFAULT":
        return NewKey(key_spec, new_material_id(), os.urandom(32), None)
    if key_spec in HMAC_SIZES:
        return NewKey(key_spec, new_material_id(), os.urandom(HMAC_SIZES[key_spec]), None)
    pair = _keypairs().generate(key_spec)
    return NewKey(key_spec, new_material_id(), pair.private_der, pair.public_der)


class Engine:
    """Operation semantics over a :class:`Store`. Thread-safe (the Store serialises)."""

    def __init__(self, store: Store, account_id: str, clock: Callable[[], float] = time.time):
        self.store = store
        self.account_id = account_id
        self.clock = clock
        self._ops: dict[str, Callable[[Request, dict[str, Any]], dict[str, Any]]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("_op_")
        }

    @property
    def operations(self) -> frozenset[str]:
        return frozenset(self._ops)

    def request(self, region: str) -> Request:
        return Request(region, partition_of(region), self.account_id, self.clock())

    def call(self, operation: str, params: dict[str, Any], region: str) -> dict[str, Any]:
        handler = self._ops.get(operation)
        if handler is None:
            raise E.UnsupportedOperationException(
                f"The kmsworkbench sandbox does not implement {operation}."
            )
        return handler(self.request(region), params)

    # --- transactions -------------------------------------------------------------------

    def _tx(self, r: Request, fn: Callable[[bool], T], write: bool = False) -> T:
        """Run ``fn(write)`` in a transaction after deleting keys whose deletion date has
        passed. A read transaction that finds it must write (due deletions, a predefined
        AWS alias to associate) is retried as a write transaction."""
        if not write:
            try:
                with self.store.transaction(write=False):
                    self._purge(r, write=False)
                    return fn(False)
            except _NeedsWrite:
                pass
        with self.store.transaction(write=True):
            self._purge(r, write=True)
            return fn(True)

    def _purge(self, r: Request, write: bool) -> None:
        due = self.store.due_deletions(r.now)
        if due and not write:
            raise _NeedsWrite
        for region, key_id in due:
            self.store.delete_key(region, key_id)

    # --- key resolution -----------------------------------------------------------------

    def _resolve(self, r: Request, ref: str, write: bool, allow_alias: bool = True) -> KeyRecord:
        """The key a KeyId names: key id, key ARN, alias name or alias ARN."""
        if ref.startswith("arn:"):
            match = _ARN_RE.match(ref)
            resource = match.group(5) if match else ""
            if (
                match is None
                or match.group(2) != "kms"
                or not (resource.startswith("key/") or resource.startswith("alias/"))
            ):
                # A string that starts like an ARN but is not a KMS key or alias ARN.
                # InvalidArnException is in the error lists; the wording is unverified.
                raise E.InvalidArnException(f"ARN {ref} is not a valid KMS key or alias ARN")
            partition, region, account = match.group(1), match.group(3), match.group(4)
            if region != r.region:
                raise E.invalid_arn_region(region)  # aws-recorded
            if partition != r.partition:
                raise E.InvalidArnException(f"ARN {ref} is not valid in partition {r.partition}")
            if resource.startswith("alias/"):
                if not allow_alias:
                    raise E.invalid_key_id(ref)
                if account != self.account_id:
                    raise E.alias_not_found(ref)
                return self._resolve_alias(r, resource, write)
            key_id = resource[4:]
            if not (_UUID_RE.match(key_id) or _MRK_RE.match(key_id)):
                raise E.invalid_key_id(key_id)
            if account != self.account_id:
                # Another account's key: AWS would evaluate that account's key policy; the
                # sandbox has one account, so the key does not exist (unverified wording).
                raise E.key_not_found(ref)
            return self._key_by_id(r, key_id.lower())
        if ref.startswith("alias/"):
            if not allow_alias:
                raise E.invalid_key_id(ref)
            return self._resolve_alias(r, ref, write)
        if not (_UUID_RE.match(ref) or _MRK_RE.match(ref)):
            raise E.invalid_key_id(ref)  # aws-recorded
        return self._key_by_id(r, ref.lower())

    def _key_by_id(self, r: Request, key_id: str) -> KeyRecord:
        key = self.store.get_key(r.region, key_id)
        if key is None:
            raise E.key_not_found(r.key_arn(key_id))  # aws-recorded
        return key

    def _resolve_alias(self, r: Request, name: str, write: bool) -> KeyRecord:
        alias = self.store.get_alias(r.region, name)
        if alias is None:
            raise E.alias_not_found(r.alias_arn(name))
        if alias.key_id is None:
            # A predefined AWS alias with no key yet: "KMS associates the alias with an AWS
            # managed key and returns its KeyId and Arn" (DescribeKey docs).
            if not write:
                raise _NeedsWrite
            key_id = self._insert_aws_manageable_key(r, name)
            return self._key_by_id(r, key_id)
        key = self.store.get_key(r.region, alias.key_id)
        if key is None:  # the alias outlived its key (cannot happen: deletion cascades)
            raise E.alias_not_found(r.alias_arn(name))
        return key

    def _insert_aws_manageable_key(self, r: Request, alias_name: str) -> str:
        service = alias_name[len(RESERVED_ALIAS_PREFIX) :]
        description = AWS_MANAGED_ALIASES.get(
            service, f"Default key that protects my {service} data when no other key is defined"
        )
        key_id = str(uuid.uuid4())
        self._insert_key(
            r,
            key_id,
            make_material("SYMMETRIC_DEFAULT"),
            usage="ENCRYPT_DECRYPT",
            description=description,
            key_manager="AWS",
        )
        self.store.retarget_alias(r.region, alias_name, key_id, r.now)
        return key_id

    def _insert_key(
        self,
        r: Request,
        key_id: str,
        material: NewKey,
        *,
        usage: str,
        description: str,
        key_manager: str = "CUSTOMER",
        origin: str = "AWS_KMS",
        state: str = "Enabled",
        multi_region: bool = False,
    ) -> KeyRecord:
        record = KeyRecord(
            region=r.region,
            key_id=key_id,
            created=r.now,
            description=description,
            key_usage=usage,
            key_spec=material.key_spec,
            origin=origin,
            key_manager=key_manager,
            state=state,
            deletion_date=None,
            multi_region=multi_region,
            material_id=material.material_id,
            secret=material.secret,
            public_der=material.public_der,
        )
        self.store.insert_key(record)
        return record

    # --- shared checks ------------------------------------------------------------------

    def _manageable_key(self, r: Request, ref: str, write: bool, operation: str) -> KeyRecord:
        """The key a management operation (state, deletion, aliases, tags) names by key ID or
        ARN: not an AWS managed key, and not pending deletion."""
        key = self._resolve(r, ref, write, allow_alias=False)
        self._deny_aws_managed(r, key, operation)
        if key.state == "PendingDeletion":
            raise E.pending_deletion(r.key_arn(key.key_id))
        return key

    def _check_grant_tokens(self, r: Request, tokens: list[str] | None) -> None:
        """Grant tokens must be ones this sandbox issued (CreateGrant) in this Region and
        whose grant still exists."""
        for token in tokens or []:
            grant = self.store.get_grant_by_token(token)
            if grant is None or grant.region != r.region:
                raise E.invalid_grant_token()

    def _deny_aws_managed(self, r: Request, key: KeyRecord, action: str) -> None:
        if key.key_manager == "AWS":
            raise E.aws_managed_denied(r.account_id, r.partition, action, r.key_arn(key.key_id))

    def _check_state(self, r: Request, key: KeyRecord) -> None:
        arn = r.key_arn(key.key_id)
        if key.state == "Disabled":
            raise E.disabled(arn)
        if key.state == "PendingDeletion":
            raise E.pending_deletion(arn)
        if key.state == "PendingImport":
            raise E.pending_import(arn)

    def _usable(self, r: Request, key: KeyRecord, operation: str, usage: str) -> None:
        """AWS-managed policy, key state and key usage for a cryptographic operation."""
        self._deny_aws_managed(r, key, operation)
        self._check_state(r, key)
        if key.key_usage != usage:
            raise E.wrong_key_usage(r.key_arn(key.key_id), key.key_usage, operation)

    def _symmetric_key(self, r: Request, key: KeyRecord, operation: str) -> None:
        """A symmetric encryption key, as GenerateDataKey* and GenerateDataKeyPair* need."""
        self._usable(r, key, operation, "ENCRYPT_DECRYPT")
        if key.key_spec != "SYMMETRIC_DEFAULT":
            raise E.wrong_key_spec(r.key_arn(key.key_id), key.key_spec, operation)

    @staticmethod
    def _algorithms(key: KeyRecord) -> list[str]:
        return KEY_SPECS[key.key_spec].get(key.key_usage, [])

    @staticmethod
    def _dry_run(params: dict[str, Any]) -> None:
        if params.get("DryRun"):
            raise E.dry_run()

    @staticmethod
    def _no_recipient(params: dict[str, Any]) -> None:
        if params.get("Recipient"):
            # Nitro Enclaves attestation cannot be verified without AWS's root of trust;
            # the sandbox refuses the member rather than pretending (AWS would answer a
            # ValidationException for an attestation document it cannot verify).
            raise E.ValidationException(
                "The kmsworkbench sandbox cannot verify Nitro Enclaves attestation documents; "
                "remove Recipient."
            )

    # --- metadata -----------------------------------------------------------------------

    def _metadata(self, r: Request, key: KeyRecord) -> dict[str, Any]:
        arn = r.key_arn(key.key_id)
        md: dict[str, Any] = {
            "AWSAccountId": r.account_id,
            "KeyId": key.key_id,
            "Arn": arn,
            "CreationDate": key.created,
            "Enabled": key.state == "Enabled",
            "Description": key.description,
            "KeyUsage": key.key_usage,
            "KeyState": key.state,
            "Origin": key.origin,
            "KeyManager": key.key_manager,
            "KeySpec": key.key_spec,
            "MultiRegion": key.multi_region,
        }
        if key.key_spec in LEGACY_SPECS:
            md["CustomerMasterKeySpec"] = key.key_spec
        if key.deletion_date is not None:
            md["DeletionDate"] = key.deletion_date
        algorithms = self._algorithms(key)
        if algorithms:
            md[USAGE_FIELDS[key.key_usage]] = list(algorithms)
        if key.multi_region:
            md["MultiRegionConfiguration"] = {
                "MultiRegionKeyType": "PRIMARY",
                "PrimaryKey": {"Arn": arn, "Region": r.region},
                "ReplicaKeys": [],
            }
        # CurrentKeyMaterialId: "present for symmetric encryption keys" (model docs).
        if key.key_spec == "SYMMETRIC_DEFAULT" and key.material_id and key.state != "PendingImport":
            md["CurrentKeyMaterialId"] = key.material_id
        return md

    # --- pagination ---------------------------------------------------------------------

    @staticmethod
    def _marker_out(kind: str, region: str, last: str) -> str:
        raw = json.dumps([kind, region, last], separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii")

    @staticmethod
    def _marker_in(kind: str, region: str, marker: str | None) -> str | None:
        if marker is None:
            return None
        try:
            value = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")))
        except (ValueError, UnicodeError) as exc:
            raise E.invalid_marker() from exc
        if (
            not isinstance(value, list)
            or len(value) != 3
            or value[0] != kind
            or value[1] != region
            or not isinstance(value[2], str)
        ):
            raise E.invalid_marker()
        return value[2]

    def _page(
        self,
        kind: str,
        r: Request,
        params: dict[str, Any],
        default_limit: int,
        fetch: Callable[[str | None, int], list[T]],
        last_of: Callable[[T], str],
    ) -> tuple[list[T], dict[str, Any]]:
        limit = params.get("Limit") or default_limit
        after = self._marker_in(kind, r.region, params.get("Marker"))
        rows = fetch(after, limit + 1)
        truncated = len(rows) > limit
        rows = rows[:limit]
        extra: dict[str, Any] = {"Truncated": truncated}
        if truncated:
            extra["NextMarker"] = self._marker_out(kind, r.region, last_of(rows[-1]))
        return rows, extra

    # === operations =====================================================================

    # --- keys ---------------------------------------------------------------------------

    def _op_CreateKey(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("KeySpec") and p.get("CustomerMasterKeySpec"):
            raise E.ValidationException(
                "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
                "CustomerMasterKeySpec is deprecated."
            )
        spec = p.get("KeySpec") or p.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
        if spec == "SM2" and r.region not in CHINA_REGIONS:
            raise E.sm2_not_in_region("KeySpec")
        usage = p.get("KeyUsage")
        if usage is None:
            if spec != "SYMMETRIC_DEFAULT":
                raise E.ValidationException(  # aws-recorded
                    "You must specify a KeyUsage value for all KMS keys except for symmetric "
                    "encryption keys."
                )
            usage = "ENCRYPT_DECRYPT"
        if usage not in KEY_SPECS[spec]:
            # AWS refuses the combination; the wording is unverified.
            raise E.ValidationException(f"KeyUsage {usage} is not compatible with KeySpec {spec}")
        if spec in UNSUPPORTED_KEY_SPECS:
            raise E.UnsupportedOperationException(
                f"KeySpec {spec} is not supported by the kmsworkbench sandbox"
            )
        origin = p.get("Origin") or "AWS_KMS"
        if origin in ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"):
            if p.get("CustomKeyStoreId"):
                raise E.CustomKeyStoreNotFoundException(
                    f"Custom key store {p['CustomKeyStoreId']} does not exist"
                )
            raise E.ValidationException(f"CustomKeyStoreId is required when Origin is {origin}")
        if p.get("CustomKeyStoreId"):
            raise E.CustomKeyStoreNotFoundException(
                f"Custom key store {p['CustomKeyStoreId']} does not exist"
            )
        if p.get("XksKeyId"):
            raise E.ValidationException("XksKeyId is valid only when Origin is EXTERNAL_KEY_STORE")
        tags = self._tag_pairs(p.get("Tags") or [])
        multi_region = bool(p.get("MultiRegion"))
        key_id = ("mrk-" + uuid.uuid4().hex) if multi_region else str(uuid.uuid4())
        if origin == "EXTERNAL":
            material = NewKey(spec, None, None, None)
            state = "PendingImport"
        else:
            material = make_material(spec)  # outside the transaction: RSA takes a while
            state = "Enabled"

        def work(write: bool) -> dict[str, Any]:
            record = self._insert_key(
                r,
                key_id,
                material,
                usage=usage,
                description=p.get("Description") or "",
                origin=origin,
                state=state,
                multi_region=multi_region,
            )
            if tags:
                self.store.put_tags(r.region, key_id, tags)
            return {"KeyMetadata": self._metadata(r, record)}

        return self._tx(r, work, write=True)

    def _op_DescribeKey(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            # InvalidGrantTokenException is not among DescribeKey's errors: AWS does not
            # judge grant tokens here, and neither do we.
            key = self._resolve(r, p["KeyId"], write)
            return {"KeyMetadata": self._metadata(r, key)}

        return self._tx(r, work)

    def _op_ListKeys(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            ids, extra = self._page(
                "keys",
                r,
                p,
                100,  # default 100, 1-1000 (model)
                lambda after, n: self.store.list_key_ids(r.region, after, n),
                lambda key_id: key_id,
            )
            return {"Keys": [{"KeyId": k, "KeyArn": r.key_arn(k)} for k in ids], **extra}

        return self._tx(r, work)

    def _set_state(self, r: Request, p: dict[str, Any], operation: str, state: str) -> None:
        """EnableKey / DisableKey: refused for AWS managed keys and for keys pending deletion
        or import; setting the state a key already has is a no-op."""

        def work(write: bool) -> None:
            key = self._manageable_key(r, p["KeyId"], write, operation)
            if key.state == "PendingImport":
                raise E.pending_import(r.key_arn(key.key_id))
            if key.state != state:
                self.store.update_key(r.region, key.key_id, state=state)

        self._tx(r, work, write=True)

    def _op_EnableKey(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        self._set_state(r, p, "EnableKey", "Enabled")
        return {}

    def _op_DisableKey(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        self._set_state(r, p, "DisableKey", "Disabled")
        return {}

    def _op_ScheduleKeyDeletion(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        days = p.get("PendingWindowInDays") or 30  # default 30; 7-30 enforced in validation

        def work(write: bool) -> dict[str, Any]:
            key = self._manageable_key(r, p["KeyId"], write, "ScheduleKeyDeletion")
            arn = r.key_arn(key.key_id)
            deletion = r.now + days * DAY
            self.store.update_key(
                r.region, key.key_id, state="PendingDeletion", deletion_date=deletion
            )
            return {
                "KeyId": arn,
                "DeletionDate": deletion,
                "KeyState": "PendingDeletion",
                "PendingWindowInDays": days,
            }

        return self._tx(r, work, write=True)

    def _op_CancelKeyDeletion(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            key = self._resolve(r, p["KeyId"], write, allow_alias=False)
            self._deny_aws_managed(r, key, "CancelKeyDeletion")
            arn = r.key_arn(key.key_id)
            if key.state != "PendingDeletion":
                raise E.KMSInvalidStateException(f"{arn} is not pending deletion.")
            # A key whose deletion is cancelled comes back Disabled (AWS: "the key state is
            # Disabled"; EnableKey to use it again).
            self.store.update_key(r.region, key.key_id, state="Disabled", deletion_date=None)
            return {"KeyId": arn}

        return self._tx(r, work, write=True)

    # --- aliases ------------------------------------------------------------------------

    @staticmethod
    def _check_alias_name(name: str, operation: str) -> None:
        if not name.startswith("alias/"):
            raise E.ValidationException(  # aws-recorded
                'Alias must start with the prefix "alias/". Please see '
                "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
            )
        if name.startswith(RESERVED_ALIAS_PREFIX) or name == "alias/aws":
            # Reserved for AWS managed keys (CreateAlias docs). The code is
            # ValidationException as for the other alias-name rules; wording unverified.
            raise E.ValidationException(
                f'Alias {name} must not begin with "alias/aws/"; that prefix is reserved for '
                f"AWS managed keys and cannot be used with {operation}."
            )
        if name == "alias/":
            raise E.ValidationException(
                "Alias name must have at least one character after 'alias/'."
            )

    def _op_CreateAlias(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        name = p["AliasName"]
        self._check_alias_name(name, "CreateAlias")

        def work(write: bool) -> dict[str, Any]:
            key = self._manageable_key(r, p["TargetKeyId"], write, "CreateAlias")
            if self.store.get_alias(r.region, name) is not None:
                raise E.AlreadyExistsException(
                    f"An alias with the name {r.alias_arn(name)} already exists"
                )
            self.store.put_alias(r.region, name, key.key_id, r.now)
            return {}

        return self._tx(r, work, write=True)

    def _op_UpdateAlias(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        name = p["AliasName"]
        self._check_alias_name(name, "UpdateAlias")

        def work(write: bool) -> dict[str, Any]:
            alias = self.store.get_alias(r.region, name)
            if alias is None:
                raise E.alias_not_found(r.alias_arn(name))
            key = self._manageable_key(r, p["TargetKeyId"], write, "UpdateAlias")
            current = self.store.get_key(r.region, alias.key_id) if alias.key_id else None
            if current is not None and (
                current.key_usage != key.key_usage
                or (current.key_spec == "SYMMETRIC_DEFAULT")
                != (key.key_spec == "SYMMETRIC_DEFAULT")
            ):
                # "The current and new KMS key must be the same type ... and they must have
                # the same key usage" (UpdateAlias docs); code and wording unverified.
                raise E.ValidationException(
                    f"{r.key_arn(key.key_id)} has a different key type or key usage than the "
                    f"key {name} points to now."
                )
            self.store.retarget_alias(r.region, name, key.key_id, r.now)
            return {}

        return self._tx(r, work, write=True)

    def _op_DeleteAlias(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        name = p["AliasName"]
        self._check_alias_name(name, "DeleteAlias")

        def work(write: bool) -> dict[str, Any]:
            if self.store.get_alias(r.region, name) is None:
                raise E.alias_not_found(r.alias_arn(name))
            self.store.delete_alias(r.region, name)
            return {}

        return self._tx(r, work, write=True)

    def _op_ListAliases(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            key_id = None
            if p.get("KeyId"):
                # "key ID or key ARN only, not an alias" (model docs).
                key_id = self._resolve(r, p["KeyId"], write, allow_alias=False).key_id
            rows, extra = self._page(
                "aliases",
                r,
                p,
                50,  # default 50, 1-100 (API Reference)
                lambda after, n: self.store.list_aliases(r.region, key_id, after, n),
                lambda alias: alias.name,
            )
            return {"Aliases": [self._alias_entry(r, a) for a in rows], **extra}

        return self._tx(r, work)

    @staticmethod
    def _alias_entry(r: Request, alias: AliasRecord) -> dict[str, Any]:
        entry: dict[str, Any] = {"AliasName": alias.name, "AliasArn": r.alias_arn(alias.name)}
        if alias.key_id is not None:
            entry["TargetKeyId"] = alias.key_id
        if alias.created is not None:
            entry["CreationDate"] = alias.created
        if alias.updated is not None:
            entry["LastUpdatedDate"] = alias.updated
        return entry

    # --- tags ---------------------------------------------------------------------------

    @staticmethod
    def _tag_pairs(tags: list[dict[str, Any]]) -> list[tuple[str, str]]:
        pairs = [(str(t["TagKey"]), str(t.get("TagValue", ""))) for t in tags]
        for key, _ in pairs:
            if key.startswith("aws:"):
                # "aws:" is reserved for AWS use (tagging docs); wording unverified.
                raise E.TagException(f"Tag key {key} is reserved: tag keys cannot begin with aws:")
        if len({k for k, _ in pairs}) > MAX_TAGS:
            raise E.LimitExceededException(f"A KMS key can have at most {MAX_TAGS} tags")
        return pairs

    def _op_TagResource(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        pairs = self._tag_pairs(p["Tags"])

        def work(write: bool) -> dict[str, Any]:
            key = self._manageable_key(r, p["KeyId"], write, "TagResource")
            existing = self.store.tag_keys(r.region, key.key_id)
            if len(existing | {k for k, _ in pairs}) > MAX_TAGS:
                raise E.LimitExceededException(f"A KMS key can have at most {MAX_TAGS} tags")
            self.store.put_tags(r.region, key.key_id, pairs)
            return {}

        return self._tx(r, work, write=True)

    def _op_UntagResource(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            key = self._manageable_key(r, p["KeyId"], write, "UntagResource")
            self.store.remove_tags(r.region, key.key_id, list(p["TagKeys"]))
            return {}

        return self._tx(r, work, write=True)

    def _op_ListResourceTags(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            key = self._resolve(r, p["KeyId"], write, allow_alias=False)
            rows, extra = self._page(
                "tags",
                r,
                p,
                50,  # default 50, 1-50 (API Reference)
                lambda after, n: self.store.list_tags(r.region, key.key_id, after, n),
                lambda pair: pair[0],
            )
            return {"Tags": [{"TagKey": k, "TagValue": v} for k, v in rows], **extra}

        return self._tx(r, work)

    # --- symmetric cryptography ---------------------------------------------------------

    def _seal(
        self, r: Request, key: KeyRecord, plaintext: bytes, context: dict[str, str] | None
    ) -> bytes:
        assert key.secret is not None and key.material_id is not None
        return blobfmt.seal(
            key.secret,
            region=r.region,
            key_id=key.key_id,
            material_id=key.material_id,
            plaintext=plaintext,
            context=context,
        )

    def _op_Encrypt(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> tuple[KeyRecord, str]:
            self._check_grant_tokens(r, p.get("GrantTokens"))
            key = self._resolve(r, p["KeyId"], write)
            self._usable(r, key, "Encrypt", "ENCRYPT_DECRYPT")
            algorithm = p.get("EncryptionAlgorithm") or "SYMMETRIC_DEFAULT"
            self._check_encryption(r, key, algorithm, p["Plaintext"], p.get("EncryptionContext"))
            self._dry_run(p)
            return key, algorithm

        key, algorithm = self._tx(r, work)
        blob = self._encrypt_with(r, key, algorithm, p["Plaintext"], p.get("EncryptionContext"))
        return {
            "CiphertextBlob": blob,
            "KeyId": r.key_arn(key.key_id),
            "EncryptionAlgorithm": algorithm,
        }

    def _check_encryption(
        self,
        r: Request,
        key: KeyRecord,
        algorithm: str,
        plaintext: bytes,
        context: dict[str, str] | None,
    ) -> None:
        if algorithm not in self._algorithms(key):
            raise E.algorithm_incompatible(algorithm, key.key_spec)
        if key.key_spec == "SYMMETRIC_DEFAULT":
            return
        if context:
            # "Encryption context is not supported with asymmetric KMS keys" (docs); the
            # code is unverified -- a request member the key cannot honour is a
            # ValidationException.
            raise E.ValidationException(
                "EncryptionContext is not supported with asymmetric KMS keys."
            )
        limit = self._max_plaintext(key, algorithm)
        if len(plaintext) > limit:
            raise E.ValidationException(  # aws-recorded wording
                f"Algorithm {algorithm} and key spec {key.key_spec} cannot encrypt data larger "
                f"than {limit} bytes."
            )

    @staticmethod
    def _max_plaintext(key: KeyRecord, algorithm: str) -> int:
        if algorithm == "SM2PKE":
            return SM2PKE_MAX
        modulus_bytes = int(key.key_spec.split("_")[1]) // 8
        return modulus_bytes - 2 * _OAEP_HASH[algorithm] - 2

    def _encrypt_with(
        self,
        r: Request,
        key: KeyRecord,
        algorithm: str,
        plaintext: bytes,
        context: dict[str, str] | None,
    ) -> bytes:
        if key.key_spec == "SYMMETRIC_DEFAULT":
            return self._seal(r, key, plaintext, context)
        assert key.public_der is not None
        return bytes(_keypairs().encrypt(key.public_der, algorithm, plaintext))

    def _decrypt_source(
        self,
        r: Request,
        write: bool,
        *,
        operation: str,
        blob: bytes | None,
        key_ref: str | None,
        algorithm: str | None,
        context: dict[str, str] | None,
        ignore_ciphertext: bool = False,
    ) -> tuple[KeyRecord, str, bytes | None]:
        """Find and check the key that decrypts ``blob``; for symmetric blobs also decrypt
        (cheap). Returns (key, algorithm, plaintext or None for asymmetric)."""
        algorithm = algorithm or "SYMMETRIC_DEFAULT"
        named = self._resolve(r, key_ref, write) if key_ref else None
        if ignore_ciphertext:
            if named is None:
                raise E.ValidationException(
                    "KeyId is required when DryRunModifiers contains IGNORE_CIPHERTEXT."
                )
            self._usable(r, named, operation, "ENCRYPT_DECRYPT")
            return named, algorithm, None
        if blob is None:
            raise E.ValidationException("CiphertextBlob is required.")  # cf. "... is required."
        if algorithm != "SYMMETRIC_DEFAULT":
            if named is None:
                # "If you used an asymmetric KMS key, you must specify KeyId" (docs); the code
                # for leaving it out is unverified.
                raise E.ValidationException(
                    "KeyId is required when EncryptionAlgorithm is not SYMMETRIC_DEFAULT."
                )
            self._usable(r, named, operation, "ENCRYPT_DECRYPT")
            if algorithm not in self._algorithms(named):
                raise E.algorithm_incompatible(algorithm, named.key_spec)
            return named, algorithm, None
        try:
            header = blobfmt.parse(blob)
        except blobfmt.BlobError as exc:
            if named is not None and named.key_spec != "SYMMETRIC_DEFAULT":
                raise E.algorithm_incompatible(algorithm, named.key_spec) from exc
            raise E.invalid_ciphertext() from exc
        if named is not None and (header.key_id != named.key_id or header.region != r.region):
            raise E.incorrect_key()  # aws-recorded
        if header.region != r.region:
            raise E.ciphertext_key_inaccessible()
        key = named or self.store.get_key(r.region, header.key_id)
        if key is None:
            raise E.ciphertext_key_inaccessible()
        self._usable(r, key, operation, "ENCRYPT_DECRYPT")
        material = self.store.get_material(r.region, key.key_id, header.material_id)
        if material is None:
            raise E.invalid_ciphertext()
        try:
            plaintext = blobfmt.open_blob(material, header, context)
        except blobfmt.BlobError as exc:
            raise E.invalid_ciphertext() from exc  # wrong context, tampered blob
        return key, algorithm, plaintext

    def _asymmetric_decrypt(self, key: KeyRecord, algorithm: str, blob: bytes) -> bytes:
        kp = _keypairs()
        assert key.secret is not None
        try:
            return bytes(kp.decrypt(key.secret, algorithm, blob))
        except ValueError as exc:  # keypairs.DecryptionError and malformed input
            raise E.invalid_ciphertext() from exc

    def _op_Decrypt(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        modifiers = p.get("DryRunModifiers") or []
        ignore = bool(p.get("DryRun")) and "IGNORE_CIPHERTEXT" in modifiers
        self._no_recipient(p)

        def work(write: bool) -> tuple[KeyRecord, str, bytes | None]:
            self._check_grant_tokens(r, p.get("GrantTokens"))
            return self._decrypt_source(
                r,
                write,
                operation="Decrypt",
                blob=p.get("CiphertextBlob"),
                key_ref=p.get("KeyId"),
                algorithm=p.get("EncryptionAlgorithm"),
                context=p.get("EncryptionContext"),
                ignore_ciphertext=ignore,
            )

        key, algorithm, plaintext = self._tx(r, work)
        if plaintext is None and not ignore:
            plaintext = self._asymmetric_decrypt(key, algorithm, p["CiphertextBlob"])
        self._dry_run(p)
        assert plaintext is not None
        out: dict[str, Any] = {
            "KeyId": r.key_arn(key.key_id),
            "Plaintext": plaintext,
            "EncryptionAlgorithm": algorithm,
        }
        if key.key_spec == "SYMMETRIC_DEFAULT":  # "present only for symmetric keys"
            out["KeyMaterialId"] = key.material_id
        return out

    def _op_ReEncrypt(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        modifiers = p.get("DryRunModifiers") or []
        ignore = bool(p.get("DryRun")) and "IGNORE_CIPHERTEXT" in modifiers
        dest_algorithm = p.get("DestinationEncryptionAlgorithm") or "SYMMETRIC_DEFAULT"

        def work(write: bool) -> tuple[KeyRecord, str, bytes | None, KeyRecord]:
            self._check_grant_tokens(r, p.get("GrantTokens"))
            source, algorithm, plaintext = self._decrypt_source(
                r,
                write,
                operation="ReEncrypt",
                blob=p.get("CiphertextBlob"),
                key_ref=p.get("SourceKeyId"),
                algorithm=p.get("SourceEncryptionAlgorithm"),
                context=p.get("SourceEncryptionContext"),
                ignore_ciphertext=ignore,
            )
            dest = self._resolve(r, p["DestinationKeyId"], write)
            self._usable(r, dest, "ReEncrypt", "ENCRYPT_DECRYPT")
            if dest_algorithm not in self._algorithms(dest):
                raise E.algorithm_incompatible(dest_algorithm, dest.key_spec)
            return source, algorithm, plaintext, dest

        source, algorithm, plaintext, dest = self._tx(r, work)
        if plaintext is None and not ignore:
            plaintext = self._asymmetric_decrypt(source, algorithm, p["CiphertextBlob"])
        if plaintext is not None:
            self._check_encryption(
                r, dest, dest_algorithm, plaintext, p.get("DestinationEncryptionContext")
            )
        self._dry_run(p)
        assert plaintext is not None
        blob = self._encrypt_with(
            r, dest, dest_algorithm, plaintext, p.get("DestinationEncryptionContext")
        )
        out: dict[str, Any] = {
            "CiphertextBlob": blob,
            "SourceKeyId": r.key_arn(source.key_id),
            "KeyId": r.key_arn(dest.key_id),
            "SourceEncryptionAlgorithm": algorithm,
            "DestinationEncryptionAlgorithm": dest_algorithm,
        }
        if source.key_spec == "SYMMETRIC_DEFAULT":
            out["SourceKeyMaterialId"] = source.material_id
        if dest.key_spec == "SYMMETRIC_DEFAULT":
            out["DestinationKeyMaterialId"] = dest.material_id
        return out

    def _wrapping_key(self, r: Request, p: dict[str, Any], operation: str) -> KeyRecord:
        """The symmetric key GenerateDataKey* and GenerateDataKeyPair* wrap their data key
        under: grant tokens, the key, its state and spec; DryRun answers here."""

        def work(write: bool) -> KeyRecord:
            self._check_grant_tokens(r, p.get("GrantTokens"))
            key = self._resolve(r, p["KeyId"], write)
            self._symmetric_key(r, key, operation)
            self._dry_run(p)
            return key

        return self._tx(r, work)

    def _data_key_size(self, p: dict[str, Any]) -> int:
        spec, count = p.get("KeySpec"), p.get("NumberOfBytes")
        if (spec is None) == (count is None):
            # Exactly one of the two (API Reference); wording unverified.
            raise E.ValidationException("Please specify either number of bytes or key spec.")
        if spec is not None:
            return 32 if spec == "AES_256" else 16
        return int(count)

    def _generate_data_key(self, r: Request, p: dict[str, Any], operation: str) -> dict[str, Any]:
        size = self._data_key_size(p)
        self._no_recipient(p)
        key = self._wrapping_key(r, p, operation)
        plaintext = os.urandom(size)
        out: dict[str, Any] = {
            "CiphertextBlob": self._seal(r, key, plaintext, p.get("EncryptionContext")),
            "KeyId": r.key_arn(key.key_id),
            "KeyMaterialId": key.material_id,
        }
        if operation == "GenerateDataKey":
            out["Plaintext"] = plaintext
        return out

    def _op_GenerateDataKey(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        return self._generate_data_key(r, p, "GenerateDataKey")

    def _op_GenerateDataKeyWithoutPlaintext(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        return self._generate_data_key(r, p, "GenerateDataKeyWithoutPlaintext")

    def _generate_pair(self, r: Request, p: dict[str, Any], operation: str) -> dict[str, Any]:
        spec = p["KeyPairSpec"]
        self._no_recipient(p)
        if spec == "SM2" and r.region not in CHINA_REGIONS:
            raise E.sm2_not_in_region("KeyPairSpec")
        key = self._wrapping_key(r, p, operation)
        pair = _keypairs().generate(spec)  # outside any lock: this is the slow part
        out: dict[str, Any] = {
            "PrivateKeyCiphertextBlob": self._seal(
                r, key, pair.private_der, p.get("EncryptionContext")
            ),
            "PublicKey": pair.public_der,
            "KeyId": r.key_arn(key.key_id),
            "KeyPairSpec": spec,
            "KeyMaterialId": key.material_id,
        }
        if operation == "GenerateDataKeyPair":
            out["PrivateKeyPlaintext"] = pair.private_der
        return out

    def _op_GenerateDataKeyPair(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        return self._generate_pair(r, p, "GenerateDataKeyPair")

    def _op_GenerateDataKeyPairWithoutPlaintext(
        self, r: Request, p: dict[str, Any]
    ) -> dict[str, Any]:
        return self._generate_pair(r, p, "GenerateDataKeyPairWithoutPlaintext")

    def _op_GenerateRandom(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        self._no_recipient(p)
        if p.get("NumberOfBytes") is None:
            raise E.ValidationException("NumberOfBytes is required.")  # aws-recorded
        if p.get("CustomKeyStoreId"):
            raise E.CustomKeyStoreNotFoundException(
                f"Custom key store {p['CustomKeyStoreId']} does not exist"
            )
        return {"Plaintext": os.urandom(int(p["NumberOfBytes"]))}

    # --- asymmetric keys ----------------------------------------------------------------

    def _op_GetPublicKey(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> KeyRecord:
            self._check_grant_tokens(r, p.get("GrantTokens"))
            key = self._resolve(r, p["KeyId"], write)
            self._check_state(r, key)
            if key.public_der is None:
                # Symmetric and HMAC keys have no public key; UnsupportedOperationException
                # is in the error list, the wording is unverified.
                raise E.UnsupportedOperationException(
                    f"{r.key_arn(key.key_id)} key spec is {key.key_spec} which is not valid "
                    "for GetPublicKey."
                )
            return key

        key = self._tx(r, work)
        out: dict[str, Any] = {
            "KeyId": r.key_arn(key.key_id),
            "PublicKey": key.public_der,
            "KeySpec": key.key_spec,
            "KeyUsage": key.key_usage,
        }
        if key.key_spec in LEGACY_SPECS:
            out["CustomerMasterKeySpec"] = key.key_spec
        out[USAGE_FIELDS[key.key_usage]] = list(self._algorithms(key))
        return out

    def _signing_key(self, r: Request, p: dict[str, Any], operation: str) -> KeyRecord:
        def work(write: bool) -> KeyRecord:
            self._check_grant_tokens(r, p.get("GrantTokens"))
            key = self._resolve(r, p["KeyId"], write)
            self._usable(r, key, operation, "SIGN_VERIFY")
            algorithm = p["SigningAlgorithm"]
            if algorithm not in self._algorithms(key):
                raise E.algorithm_incompatible(algorithm, key.key_spec)
            return key

        key = self._tx(r, work)
        message_type = p.get("MessageType") or "RAW"
        algorithm = p["SigningAlgorithm"]
        if message_type == "EXTERNAL_MU":
            # External mu is an ML-DSA notion; no other algorithm accepts it (unverified code).
            raise E.ValidationException(
                f"MessageType EXTERNAL_MU is not valid for algorithm {algorithm}."
            )
        if algorithm == "ED25519_SHA_512" and message_type != "RAW":
            raise E.ValidationException(
                "ED25519_SHA_512 signs the message itself: MessageType must be RAW."
            )
        if algorithm == "ED25519_PH_SHA_512" and message_type != "DIGEST":
            raise E.ValidationException(
                "ED25519_PH_SHA_512 signs a SHA-512 digest: MessageType must be DIGEST."
            )
        if message_type == "DIGEST" and len(p["Message"]) != DIGEST_SIZES.get(algorithm, -1):
            raise E.ValidationException(  # aws-recorded
                f"Digest is invalid length for algorithm {algorithm}."
            )
        self._dry_run(p)
        return key

    def _op_Sign(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        key = self._signing_key(r, p, "Sign")
        assert key.secret is not None
        kp = _keypairs()
        try:
            signature = kp.sign(
                key.secret, p["SigningAlgorithm"], p["Message"], p.get("MessageType") or "RAW"
            )
        except kp.UnsupportedAlgorithmError as exc:
            raise E.algorithm_incompatible(p["SigningAlgorithm"], key.key_spec) from exc
        return {
            "KeyId": r.key_arn(key.key_id),
            "Signature": bytes(signature),
            "SigningAlgorithm": p["SigningAlgorithm"],
        }

    def _op_Verify(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        key = self._signing_key(r, p, "Verify")
        assert key.public_der is not None
        kp = _keypairs()
        try:
            valid = kp.verify(
                key.public_der,
                p["SigningAlgorithm"],
                p["Message"],
                p["Signature"],
                p.get("MessageType") or "RAW",
            )
        except kp.UnsupportedAlgorithmError as exc:
            raise E.algorithm_incompatible(p["SigningAlgorithm"], key.key_spec) from exc
        if not valid:
            raise E.KMSInvalidSignatureException("")  # aws-recorded: empty message
        return {
            "KeyId": r.key_arn(key.key_id),
            "SignatureValid": True,
            "SigningAlgorithm": p["SigningAlgorithm"],
        }

    # --- HMAC ---------------------------------------------------------------------------

    def _mac(self, r: Request, p: dict[str, Any], operation: str) -> tuple[KeyRecord, bytes]:
        def work(write: bool) -> KeyRecord:
            self._check_grant_tokens(r, p.get("GrantTokens"))
            key = self._resolve(r, p["KeyId"], write)
            self._usable(r, key, operation, "GENERATE_VERIFY_MAC")
            if p["MacAlgorithm"] not in self._algorithms(key):
                raise E.algorithm_incompatible(p["MacAlgorithm"], key.key_spec)  # aws-recorded
            self._dry_run(p)
            return key

        key = self._tx(r, work)
        assert key.secret is not None
        digest = getattr(hashlib, "sha" + p["MacAlgorithm"].rsplit("_", 1)[1])
        return key, hmac.new(key.secret, p["Message"], digest).digest()

    def _op_GenerateMac(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        key, mac = self._mac(r, p, "GenerateMac")
        return {"Mac": mac, "MacAlgorithm": p["MacAlgorithm"], "KeyId": r.key_arn(key.key_id)}

    def _op_VerifyMac(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        key, mac = self._mac(r, p, "VerifyMac")
        if not hmac.compare_digest(mac, p["Mac"]):
            raise E.KMSInvalidMacException("")  # aws-recorded: empty message
        return {"KeyId": r.key_arn(key.key_id), "MacValid": True, "MacAlgorithm": p["MacAlgorithm"]}

    # --- grants -------------------------------------------------------------------------

    def _grant_entry(self, r: Request, g: GrantRecord) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "KeyId": r.key_arn(g.key_id),
            "GrantId": g.grant_id,
            "CreationDate": g.created,
            "IssuingAccount": f"arn:{r.partition}:iam::{r.account_id}:root",
            "Operations": list(g.operations),
        }
        if g.name:
            entry["Name"] = g.name
        if g.grantee:
            entry["GranteePrincipal"] = g.grantee
        if g.retiring:
            entry["RetiringPrincipal"] = g.retiring
        if g.constraints:
            entry["Constraints"] = g.constraints
        return entry

    def _op_CreateGrant(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        grantee = p.get("GranteePrincipal")
        service_grantee = p.get("GranteeServicePrincipal")
        if (grantee is None) == (service_grantee is None):
            raise E.ValidationException(  # "either GranteePrincipal or ... but not both"
                "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both."
            )
        operations = list(dict.fromkeys(p["Operations"]))
        if not operations:
            raise E.ValidationException("Operations must contain at least one grant operation.")

        def work(write: bool) -> dict[str, Any]:
            self._check_grant_tokens(r, p.get("GrantTokens"))
            key = self._resolve(r, p["KeyId"], write, allow_alias=False)
            self._deny_aws_managed(r, key, "CreateGrant")
            self._check_state(r, key)
            allowed = GRANT_OPERATIONS_BY_USAGE.get(key.key_usage, set()) | GRANT_OPERATIONS_ANY_KEY
            invalid = [op for op in operations if op not in allowed]
            if invalid:
                # AWS refuses grant operations the key cannot perform (CreateGrant docs);
                # wording unverified.
                raise E.ValidationException(
                    f"Grant operations {', '.join(invalid)} are not valid for a KMS key with "
                    f"KeyUsage {key.key_usage}."
                )
            self._dry_run(p)
            name = p.get("Name")
            if name:
                existing = self.store.find_grant_by_name(r.region, key.key_id, name)
                if (
                    existing is not None
                    and existing.operations == operations
                    and (existing.grantee == (grantee or service_grantee))
                ):
                    # Same name and same parameters: AWS returns the existing grant's id
                    # (CreateGrant is idempotent on Name) with a fresh token.
                    return {"GrantToken": existing.token, "GrantId": existing.grant_id}
            grant = GrantRecord(
                grant_id=secrets.token_hex(32),
                region=r.region,
                key_id=key.key_id,
                token=base64.urlsafe_b64encode(os.urandom(96)).decode("ascii").rstrip("="),
                name=name,
                grantee=grantee or service_grantee,
                retiring=p.get("RetiringPrincipal") or p.get("RetiringServicePrincipal"),
                operations=operations,
                constraints=p.get("Constraints") or None,
                created=r.now,
            )
            self.store.insert_grant(grant)
            return {"GrantToken": grant.token, "GrantId": grant.grant_id}

        return self._tx(r, work, write=True)

    def _op_ListGrants(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            key = self._resolve(r, p["KeyId"], write, allow_alias=False)
            grant_id = p.get("GrantId")
            grantee = p.get("GranteePrincipal")

            def fetch(after: str | None, n: int) -> list[GrantRecord]:
                rows = self.store.list_grants(r.region, key.key_id, after, 10_000)
                rows = [
                    g
                    for g in rows
                    if (grant_id is None or g.grant_id == grant_id)
                    and (grantee is None or g.grantee == grantee)
                ]
                return rows[:n]

            rows, extra = self._page("grants", r, p, 50, fetch, lambda g: g.grant_id)
            return {"Grants": [self._grant_entry(r, g) for g in rows], **extra}

        return self._tx(r, work)

    def _op_RetireGrant(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            token, grant_id, key_ref = p.get("GrantToken"), p.get("GrantId"), p.get("KeyId")
            if token is not None:
                grant = self.store.get_grant_by_token(token)
                if grant is None or grant.region != r.region:
                    raise E.invalid_grant_token()
            elif grant_id is not None and key_ref is not None:
                key = self._resolve(r, key_ref, write, allow_alias=False)
                grant = self._grant_of_key(r, key, grant_id)
            else:
                raise E.ValidationException(
                    "Specify GrantToken, or both KeyId and GrantId, to retire a grant."
                )
            self._dry_run(p)
            self.store.delete_grant(grant.grant_id)
            return {}

        return self._tx(r, work, write=True)

    def _grant_of_key(self, r: Request, key: KeyRecord, grant_id: str) -> GrantRecord:
        if not _GRANT_ID_RE.match(grant_id):
            raise E.InvalidGrantIdException(f"Invalid grant ID {grant_id}")  # unverified text
        grant = self.store.get_grant(grant_id)
        if grant is None or grant.region != r.region or grant.key_id != key.key_id:
            # A well-formed id that names no grant of this key (unverified wording).
            raise E.NotFoundException(f"Grant ID {grant_id} not found")
        return grant

    def _op_RevokeGrant(self, r: Request, p: dict[str, Any]) -> dict[str, Any]:
        def work(write: bool) -> dict[str, Any]:
            key = self._resolve(r, p["KeyId"], write, allow_alias=False)
            grant = self._grant_of_key(r, key, p["GrantId"])
            self._dry_run(p)
            self.store.delete_grant(grant.grant_id)
            return {}

        return self._tx(r, work, write=True)

    # --- seeding ------------------------------------------------------------------------

    def seed_region(self, region: str) -> bool:
        """Give ``region`` the teaching keys and the predefined AWS aliases, once per data
        folder (several processes may race; the marker in ``meta`` decides). Returns True
        if this call seeded."""
        from kmsworkbench.sandbox.seed import SEED_KEYS

        marker = f"seeded:{region}"
        with self.store.transaction(write=False):
            if self.store.get_meta(marker) is not None:
                return False
        materials = [make_material(spec.key_spec) for spec in SEED_KEYS]
        aws_materials = [make_material("SYMMETRIC_DEFAULT") for _ in AWS_MANAGED_SEEDED]
        r = self.request(region)
        with self.store.transaction(write=True):
            if self.store.get_meta(marker) is not None:
                return False
            for spec, material in zip(SEED_KEYS, materials, strict=True):
                key_id = str(uuid.uuid4())
                self._insert_key(
                    r,
                    key_id,
                    material,
                    usage=spec.usage,
                    description=spec.description,
                    state=spec.state,
                )
                for alias in spec.aliases:
                    self.store.put_alias(region, alias, key_id, r.now)
            for service in AWS_MANAGED_ALIASES:
                self.store.put_alias(region, RESERVED_ALIAS_PREFIX + service, None, None)
            for service, material in zip(AWS_MANAGED_SEEDED, aws_materials, strict=True):
                key_id = str(uuid.uuid4())
                self._insert_key(
                    r,
                    key_id,
                    material,
                    usage="ENCRYPT_DECRYPT",
                    description=AWS_MANAGED_ALIASES[service],
                    key_manager="AWS",
                )
                self.store.retarget_alias(region, RESERVED_ALIAS_PREFIX + service, key_id, r.now)
            self.store.set_meta(marker, str(r.now))
        return True
