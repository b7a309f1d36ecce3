"""Every error the sandbox sends: the AWS error code, the message, and where each came from.

Each failure is a :class:`KmsError` subclass carrying the AWS error code (the JSON ``__type``)
and the HTTP status. Its message comes from :data:`TABLE`, the one table of every message the
sandbox's operations, protocol layer and validation send, each marked with its source:

- ``model``: the botocore KMS model (its documentation strings are the API Reference);
- ``doc``: the AWS KMS Developer Guide (e.g. the key-state table);
- ``aws``: recorded on real AWS (LocalStack's AWS-validated snapshots, kms-semantics.md 1.3,
  and the recorded suite issue 10 compares against);
- ``unverified``: our best wording; AWS's exact text is not known;
- ``sandbox``: the sandbox's own (something it does not do, or an internal failure).

A text of ``None`` means AWS sends no ``message`` member at all for that error (e.g.
InvalidCiphertextException from Decrypt). Raise with ``err("name", field=value, ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Source = Literal["model", "doc", "aws", "unverified", "sandbox"]


class KmsError(Exception):
    """A KMS error response: ``code`` becomes ``__type``, ``message`` the ``message`` (left
    out of the response when ``None``)."""

    code: str = "KMSInternalException"
    status: int = 400

    def __init__(self, message: str | None = "") -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


def _error(code: str, status: int = 400) -> type[KmsError]:
    return type(code, (KmsError,), {"code": code, "status": status})


NotFoundException = _error("NotFoundException")
DisabledException = _error("DisabledException")
KMSInvalidStateException = _error("KMSInvalidStateException")
InvalidKeyUsageException = _error("InvalidKeyUsageException")
InvalidCiphertextException = _error("InvalidCiphertextException")
IncorrectKeyException = _error("IncorrectKeyException")
DryRunOperationException = _error("DryRunOperationException")
ValidationException = _error("ValidationException")
InvalidMarkerException = _error("InvalidMarkerException")
InvalidGrantTokenException = _error("InvalidGrantTokenException")
InvalidGrantIdException = _error("InvalidGrantIdException")
InvalidArnException = _error("InvalidArnException")
InvalidAliasNameException = _error("InvalidAliasNameException")
AlreadyExistsException = _error("AlreadyExistsException")
UnsupportedOperationException = _error("UnsupportedOperationException")
AccessDeniedException = _error("AccessDeniedException")
LimitExceededException = _error("LimitExceededException")
TagException = _error("TagException")
KMSInvalidSignatureException = _error("KMSInvalidSignatureException")
KMSInvalidMacException = _error("KMSInvalidMacException")
CustomKeyStoreNotFoundException = _error("CustomKeyStoreNotFoundException")
MalformedPolicyDocumentException = _error("MalformedPolicyDocumentException")
ConflictException = _error("ConflictException")
SerializationException = _error("SerializationException")
UnknownOperationException = _error("UnknownOperationException")
UnrecognizedClientException = _error("UnrecognizedClientException")
KMSInternalException = _error("KMSInternalException", 500)

CODES: dict[str, type[KmsError]] = {
    cls.code: cls
    for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, KmsError) and cls is not KmsError
}


# --- imported key material, custom key stores, multi-Region keys (codes from the model) ---
_EXTERNAL_CODES = (
    "IncorrectKeyMaterialException",
    "ExpiredImportTokenException",
    "InvalidImportTokenException",
    "CustomKeyStoreInvalidStateException",
    "CustomKeyStoreHasCMKsException",
    "CustomKeyStoreNameInUseException",
    "CloudHsmClusterInUseException",
    "CloudHsmClusterNotRelatedException",
    "IncorrectTrustAnchorException",
    "XksProxyUriInUseException",
    "XksProxyUriEndpointInUseException",
    "XksProxyVpcEndpointServiceInUseException",
    "XksKeyAlreadyInUseException",
)
CODES.update({code: _error(code) for code in _EXTERNAL_CODES if code not in CODES})


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    text: str | None  # a str.format template; None: no message member
    source: Source
    note: str = ""


# fmt: off
TABLE: dict[str, Entry] = {
    # --- finding the key -------------------------------------------------------------------
    "key_not_found": Entry("NotFoundException", "Key '{arn}' does not exist", "aws"),
    "invalid_key_id": Entry("NotFoundException", "Invalid keyId '{ref}'", "aws"),
    "invalid_arn_region": Entry("NotFoundException", "Invalid arn {region}", "aws",
                                "a key ARN of another Region"),
    "invalid_arn": Entry("InvalidArnException", "ARN {ref} is not a valid KMS key or alias ARN",
                         "unverified", "the code is in the error lists"),
    "invalid_arn_partition": Entry("InvalidArnException",
                                   "ARN {ref} is not valid in partition {partition}", "unverified"),
    "alias_not_found": Entry("NotFoundException", "Alias {alias_arn} is not found.", "unverified",
                             "LocalStack: AWS puts the alias ARN in the message"),
    "ciphertext_key_inaccessible": Entry(
        "AccessDeniedException",
        "The ciphertext refers to a customer master key that does not exist, does not exist in "
        "this region, or you are not allowed to access.", "unverified",
        "a symmetric blob whose key is gone or in another Region; local-kms's and moto's text"),
    "aws_managed_denied": Entry(
        "AccessDeniedException",
        "User: {principal} is not authorized to perform: kms:{action} on resource: {arn} "
        "because no resource-based policy allows the kms:{action} action", "unverified",
        "IAM's usual denial text; AWS managed keys' policies allow use only via their service"),
    # --- access control (kmsworkbench.sandbox.enforce) --------------------------------------
    "access_denied": Entry(
        "AccessDeniedException",
        "User: {principal} is not authorized to perform: kms:{action} on resource: {resource}"
        "{reason}", "aws",
        "reasons: ' because no resource-based policy allows the kms:X action', ' because no "
        "identity-based policy allows ...', ' with an explicit deny in a resource-based "
        "policy' / '... in an identity-based policy' (IAM troubleshooting guide; KMS errors "
        "quoted in public issue threads)"),
    "unrecognized_client": Entry(
        "UnrecognizedClientException", "The security token included in the request is invalid.",
        "aws", "an access key the folder does not know"),
    "foreign_create_key": Entry(
        "UnsupportedOperationException",
        "The kmsworkbench sandbox keeps every key in the folder's account {home}; account "
        "{account} uses those keys by key ARN or alias ARN, where their key policies allow it.",
        "sandbox"),
    # --- key state and usage ---------------------------------------------------------------
    "disabled": Entry("DisabledException", "{arn} is disabled.", "aws"),
    "pending_deletion": Entry(
        "KMSInvalidStateException", "{arn} is pending deletion.", "doc",
        "the key-state table allows DisabledException or KMSInvalidStateException; current AWS "
        "answers the latter for cryptographic operations"),
    "pending_import": Entry("KMSInvalidStateException", "{arn} is pending import.", "aws"),
    "not_pending_deletion": Entry("KMSInvalidStateException", "{arn} is not pending deletion.",
                                  "unverified"),
    "wrong_key_usage": Entry("InvalidKeyUsageException",
                             "{arn} key usage is {usage} which is not valid for {operation}.",
                             "aws", "recorded for Encrypt, GenerateMac, Sign and Verify"),
    "wrong_key_spec": Entry("InvalidKeyUsageException",
                            "{arn} key spec is {spec} which is not valid for {operation}.",
                            "unverified", "an asymmetric key where only a symmetric one serves"),
    "algorithm_incompatible": Entry("InvalidKeyUsageException",
                                    "Algorithm {algorithm} is incompatible with key spec {spec}.",
                                    "aws", "recorded for MAC algorithms"),
    "no_public_key": Entry("UnsupportedOperationException",
                           "{arn} key spec is {spec} which is not valid for GetPublicKey.",
                           "unverified"),
    # --- requests in general ---------------------------------------------------------------
    "dry_run": Entry("DryRunOperationException",
                     "The request would have succeeded, but the DryRun option is set.", "aws"),
    "invalid_grant_token": Entry("InvalidGrantTokenException", "The grant token is not valid.",
                                 "unverified"),
    "invalid_marker": Entry("InvalidMarkerException", "The marker is not valid.", "unverified"),
    "recipient_unsupported": Entry(
        "ValidationException",
        "The kmsworkbench sandbox cannot verify Nitro Enclaves attestation documents; remove "
        "Recipient.", "sandbox"),
    "sm2_not_in_region": Entry(
        "UnsupportedOperationException", "{parameter} SM2 is not supported in this Region",
        "unverified", "a user report of real KMS in us-east-1 (floci-io/floci #3026)"),
    "unsupported_operation": Entry("UnsupportedOperationException",
                                   "The kmsworkbench sandbox does not implement {operation}.",
                                   "sandbox"),
    # --- rotation ------------------------------------------------------------------------
    "rotation_key_spec": Entry(
        "UnsupportedOperationException",
        "{arn} key spec is {spec} which is not valid for {operation}.", "unverified",
        "the model: only symmetric encryption keys rotate; the text mirrors the key-usage one"),
    "rotation_origin": Entry(
        "UnsupportedOperationException",
        "{arn} origin is {origin} which is not valid for {operation}.", "unverified",
        "the model: no rotation of imported material (automatic) or custom key stores"),
    "on_demand_limit": Entry(
        "LimitExceededException",
        "The on-demand rotations limit has been reached for the given keyId. No more "
        "on-demand rotations can be performed for this key: {arn}", "unverified",
        "the limit of 25 is the model's; the text is LocalStack's"),
    "rotation_conflict": Entry(
        "ConflictException",
        "An automatic rotation of {arn} is in progress or scheduled to begin within the next "
        "20 minutes.", "unverified", "the rule is the model's (ConflictException)"),
    # --- key policies ------------------------------------------------------------------
    "policy_malformed": Entry("MalformedPolicyDocumentException",
                              "The key policy is not valid: {detail}.", "unverified",
                              "the code is the model's for bad JSON and grammar"),
    "policy_lockout": Entry(
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future.", "aws",
        "the lockout safety check; widely reported from AWS"),
    "policy_too_large": Entry(
        "LimitExceededException", "The key policy is larger than the {limit}-byte quota.",
        "unverified", "the model: 'If the key policy exceeds the length constraint, KMS "
        "returns a LimitExceededException'"),
    "policy_name_ram": Entry("ValidationException",
                             "The AWS_RAM policy can only be managed by the RAM service.",
                             "model"),
    "policy_name_invalid": Entry("ValidationException",
                                 "PolicyName must be default, not {name}.", "unverified",
                                 "the model: the valid names are default and AWS_RAM"),
    "policy_not_found": Entry("NotFoundException", "No key policy named {name} on {arn}.",
                              "unverified", "the model: a missing AWS_RAM policy"),
    # --- CreateKey -------------------------------------------------------------------------
    "key_spec_twice": Entry(
        "ValidationException",
        "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
        "CustomerMasterKeySpec is deprecated.", "unverified"),
    "key_usage_required": Entry(
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption "
        "keys.", "aws"),
    "key_usage_incompatible": Entry("ValidationException",
                                    "KeyUsage {usage} is not compatible with KeySpec {spec}",
                                    "unverified"),
    "custom_key_store_not_found": Entry("CustomKeyStoreNotFoundException",
                                        "Custom key store {store_id} does not exist",
                                        "unverified"),
    "custom_key_store_required": Entry("ValidationException",
                                       "CustomKeyStoreId is required when Origin is {origin}",
                                       "unverified"),
    "xks_key_id_misplaced": Entry("ValidationException",
                                  "XksKeyId is valid only when Origin is EXTERNAL_KEY_STORE",
                                  "unverified"),
    "key_spec_not_in_china": Entry(
        "UnsupportedOperationException", "{parameter} {spec} is not supported in this Region",
        "unverified",
        "ML-KEM is not in China Regions (CreateKey, GenerateDataKeyPair: model); worded like "
        "sm2_not_in_region"),
    # --- key agreement and key encapsulation -----------------------------------------------
    "peer_key_malformed": Entry(
        "ValidationException",
        "PublicKey must be a DER-encoded SubjectPublicKeyInfo (RFC 5280) of an elliptic curve "
        "public key: {detail}", "unverified",
        "the DER SPKI rule is in the model; the code is what LocalStack's AWS-validated "
        "test_derive_shared_secret records for an invalid PublicKey, the text is ours"),
    "peer_key_wrong_curve": Entry(
        "ValidationException",
        "The PublicKey is {peer_spec} but the KMS key is {spec}; both key pairs must be on the "
        "same elliptic curve.", "unverified", "the same-curve rule is in the model"),
    "kem_ciphertext_length": Entry(
        "InvalidCiphertextException", None, "model",
        "Decapsulate: a SharedSecretCiphertextBlob of the wrong length for the key spec; no "
        "message, as for the other InvalidCiphertextException answers"),
    "operation_not_in_china": Entry(
        "UnsupportedOperationException", "{operation} is not supported in this Region",
        "unverified", "Encapsulate and Decapsulate are not in China Regions (model)"),
    # --- tags ------------------------------------------------------------------------------
    "tag_reserved": Entry("TagException", "Tags beginning with aws: are reserved", "aws",
                          "checked without regard to case"),
    "too_many_tags": Entry("TagException", "Too many tags", "aws", "more than 50 on a key"),
    "duplicate_tag_keys": Entry("TagException", "Duplicate tag keys", "aws"),
    # --- aliases ---------------------------------------------------------------------------
    "alias_prefix_missing": Entry(
        "ValidationException",
        'Alias must start with the prefix "alias/". Please see '
        "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html", "aws"),
    "alias_reserved": Entry(
        "ValidationException",
        'Alias {name} must not begin with "alias/aws/"; that prefix is reserved for AWS '
        "managed keys and cannot be used with {operation}.", "unverified",
        "the reservation is documented (CreateAlias)"),
    "alias_empty": Entry("ValidationException",
                         "Alias name must have at least one character after 'alias/'.",
                         "unverified"),
    "alias_exists": Entry("AlreadyExistsException",
                          "An alias with the name {alias_arn} already exists", "unverified"),
    "alias_type_mismatch": Entry(
        "ValidationException",
        "{arn} has a different key type or key usage than the key {name} points to now.",
        "unverified", "the rule is documented (UpdateAlias)"),
    # --- encryption ------------------------------------------------------------------------
    "invalid_ciphertext": Entry("InvalidCiphertextException", None, "aws",
                                "wrong context, tampered or truncated blob: no message"),
    "incorrect_key": Entry(
        "IncorrectKeyException",
        "The key ID in the request does not identify a CMK that can perform this operation.",
        "aws"),
    "asymmetric_context": Entry("ValidationException",
                                "EncryptionContext is not supported with asymmetric KMS keys.",
                                "unverified", "the rule is documented"),
    "asymmetric_needs_key_id": Entry(
        "ValidationException",
        "KeyId is required when EncryptionAlgorithm is not SYMMETRIC_DEFAULT.", "unverified",
        "documented: an asymmetric ciphertext needs KeyId"),
    "ignore_ciphertext_needs_key_id": Entry(
        "ValidationException",
        "KeyId is required when DryRunModifiers contains IGNORE_CIPHERTEXT.", "unverified",
        "the rule is in the model"),
    "ciphertext_required": Entry("ValidationException", "CiphertextBlob is required.",
                                 "unverified"),
    "plaintext_too_large": Entry(
        "ValidationException",
        "Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than {limit} "
        "bytes.", "aws"),
    # --- data keys -------------------------------------------------------------------------
    "data_key_size": Entry("ValidationException",
                           "Please specify either number of bytes or key spec.", "unverified"),
    "number_of_bytes_required": Entry("ValidationException", "NumberOfBytes is required.", "aws"),
    # --- signing and MACs ------------------------------------------------------------------
    "external_mu_invalid": Entry("ValidationException",
                                 "MessageType EXTERNAL_MU is not valid for algorithm {algorithm}.",
                                 "unverified"),
    "ed25519_raw_only": Entry("ValidationException",
                              "ED25519_SHA_512 signs the message itself: MessageType must be RAW.",
                              "unverified"),
    "ed25519ph_digest_only": Entry(
        "ValidationException",
        "ED25519_PH_SHA_512 signs a SHA-512 digest: MessageType must be DIGEST.", "unverified"),
    "digest_length": Entry("ValidationException",
                           "Digest is invalid length for algorithm {algorithm}.", "aws"),
    "ml_dsa_digest_invalid": Entry("ValidationException",
                                   "MessageType DIGEST is not valid for algorithm {algorithm}.",
                                   "unverified", "KMS offers no HashML-DSA (Developer Guide)"),
    "external_mu_length": Entry(
        "ValidationException", "External mu is invalid length for algorithm {algorithm}.",
        "unverified", "the 64-byte rule is in the model (Sign); worded like digest_length"),
    "invalid_signature": Entry("KMSInvalidSignatureException", None, "aws"),
    "invalid_mac": Entry("KMSInvalidMacException", None, "aws"),
    # --- grants ----------------------------------------------------------------------------
    "grantee_one_of": Entry(
        "ValidationException",
        "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both.",
        "unverified", "the rule is in the model"),
    "grant_operations_empty": Entry("ValidationException",
                                    "Operations must contain at least one grant operation.",
                                    "unverified"),
    "grant_operations_invalid": Entry(
        "ValidationException",
        "Grant operations {operations} are not valid for a KMS key with KeyUsage {usage}.",
        "unverified", "the rule is documented (CreateGrant)"),
    "retiring_one_of": Entry(
        "ValidationException",
        "You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both.",
        "unverified", "the rule is in the model"),
    "invalid_grant_id": Entry("InvalidGrantIdException", "Invalid grant ID {grant_id}",
                              "unverified"),
    "grant_not_found": Entry("NotFoundException", "Grant ID {grant_id} not found", "unverified"),
    "retire_grant_needs": Entry(
        "ValidationException",
        "Specify GrantToken, or both KeyId and GrantId, to retire a grant.", "unverified"),
    # --- the protocol layer and validation -------------------------------------------------
    "unknown_operation": Entry("UnknownOperationException", None, "unverified"),
    "body_not_json": Entry("SerializationException", "The request body is not valid JSON.",
                           "unverified"),
    "body_not_object": Entry("SerializationException", "The request body must be a JSON object.",
                             "unverified"),
    "member_type": Entry("SerializationException", "Member '{path}' must be {expected}",
                         "unverified", "Coral's own texts name Java classes"),
    "validation_failed": Entry("ValidationException",
                               "{count} validation {noun} detected: {details}", "aws",
                               "the Coral format; each detail is one constraint"),
    "region_invalid": Entry("ValidationException", "Region {region!r} is not a valid Region name.",
                            "sandbox"),
    "region_unprepared": Entry("KMSInternalException", "Region {region} could not be prepared.",
                               "sandbox"),
    "internal_error": Entry("KMSInternalException",
                            "The request could not be completed: internal error.", "sandbox"),
    "store_unusable": Entry("KMSInternalException", "The sandbox cannot use its store: {problem}",
                            "sandbox", "a damaged store file, found while running"),
}
# fmt: on


# The messages of imported key material, multi-Region keys and custom key stores. The codes
# are in the operations' error lists (model); AWS's texts for them are not recorded anywhere
# we could read, so almost all are our wording.
# fmt: off
_EXTERNAL: dict[str, Entry] = {
    # --- key states these areas bring --------------------------------------------------------
    "unavailable": Entry("KMSInvalidStateException", "{arn} is unavailable.", "doc",
                         "key-state table [11]: a key in a disconnected custom key store"),
    "creating": Entry("KMSInvalidStateException", "{arn} is creating.", "doc",
                      "key-state table [14]"),
    "pending_replica_deletion": Entry(
        "KMSInvalidStateException", "{arn} is pending deletion (or pending replica deletion).",
        "doc", "key-state table [2]/[3]"),
    # --- imported key material ---------------------------------------------------------------
    "not_external_origin": Entry(
        "UnsupportedOperationException",
        "{arn} origin is {origin} which is not valid for {operation}.", "unverified",
        "the rule (Origin must be EXTERNAL) is in the model"),
    "pkcs1_wrapping_retired": Entry(
        "UnsupportedOperationException",
        "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported. Use RSAES_OAEP_SHA_256 "
        "or RSA_AES_KEY_WRAP_SHA_256.", "unverified",
        "model docs: not supported since October 10, 2023"),
    "wrapping_not_in_region": Entry(
        "UnsupportedOperationException", "{parameter} {value} is not supported in this Region",
        "unverified", "SM2 only in China Regions; RSA_AES_KEY_WRAP_* not in China (guide)"),
    "wrapping_mismatch": Entry(
        "ValidationException",
        "WrappingAlgorithm {algorithm} is not compatible with WrappingKeySpec {spec}.",
        "unverified"),
    "invalid_import_token": Entry(
        "InvalidImportTokenException",
        "Import token is invalid or is associated with a different KMS key.", "unverified"),
    "expired_import_token": Entry("ExpiredImportTokenException", "Import token has expired.",
                                  "unverified"),
    "material_wrong_size": Entry(
        "IncorrectKeyMaterialException",
        "Key material for a {spec} KMS key must be {expected}; this is {size} bytes.",
        "unverified", "sizes from the guide's requirements for imported key material"),
    "material_not_pkcs8": Entry(
        "IncorrectKeyMaterialException",
        "Key material for a {spec} KMS key must be a DER-encoded PKCS #8 private key.",
        "unverified"),
    "material_wrong_spec": Entry(
        "IncorrectKeyMaterialException",
        "The key material is a {found} private key, not {spec}.", "unverified"),
    "material_not_new": Entry(
        "IncorrectKeyMaterialException",
        "KMS expected new key material, but this key material is already associated with the "
        "KMS key.", "unverified", "the case is in the model's description of the error"),
    "material_fixed": Entry(
        "IncorrectKeyMaterialException",
        "The key material of an asymmetric or HMAC KMS key cannot change after the first "
        "import; import the same key material.", "unverified"),
    "material_not_previous": Entry(
        "IncorrectKeyMaterialException",
        "The key material is not the key material previously imported into this KMS key.",
        "unverified", "the case is in the model's description of the error"),
    "material_id_mismatch": Entry("IncorrectKeyMaterialException",
                                  "The key material does not match KeyMaterialId {material_id}.",
                                  "unverified"),
    "material_pending_rotation": Entry(
        "IncorrectKeyMaterialException",
        "This KMS key already has key material waiting for RotateKeyOnDemand.", "unverified"),
    "material_not_primary": Entry(
        "IncorrectKeyMaterialException",
        "The key material is not key material of the primary key {primary_arn}.", "unverified",
        "replicas take only the primary's key material (model docs)"),
    "material_id_with_new": Entry(
        "ValidationException",
        "KeyMaterialId is not valid when ImportType is NEW_KEY_MATERIAL.", "unverified",
        "the rule is in the model"),
    "import_member_symmetric_only": Entry(
        "ValidationException", "{member} is valid only for symmetric encryption KMS keys.",
        "unverified", "the rule is in the model"),
    "new_material_into_replica": Entry(
        "UnsupportedOperationException",
        "{arn} is a multi-Region replica key: import new key material into the primary key, "
        "then the same key material into each replica.", "unverified",
        "the rule is in the model"),
    "valid_to_not_allowed": Entry(
        "ValidationException",
        "ValidTo is not valid when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.",
        "unverified", "the rule is in the model"),
    "valid_to_required": Entry(
        "ValidationException", "ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.",
        "unverified", "the rule is in the model"),
    "valid_to_range": Entry(
        "ValidationException",
        "ValidTo must be a future date and time no more than 365 days from now.", "unverified",
        "the rule is in the model"),
    "no_pending_material": Entry(
        "KMSInvalidStateException",
        "{arn} has no imported key material in PENDING_ROTATION; import new key material "
        "(ImportType NEW_KEY_MATERIAL) first.", "unverified",
        "the requirement is in the model (RotateKeyOnDemand)"),
    "replicas_need_material": Entry(
        "KMSInvalidStateException",
        "Import the new key material into the replicas of {arn} in {regions} before rotating.",
        "unverified", "the requirement is in the model (ImportKeyMaterial, RotateKeyOnDemand)"),
    "material_id_unknown": Entry(
        "NotFoundException", "Key material {material_id} is not associated with {arn}.",
        "unverified"),
    # --- multi-Region keys -------------------------------------------------------------------
    "not_multi_region": Entry("UnsupportedOperationException",
                              "{arn} is not a multi-Region key.", "unverified"),
    "not_primary": Entry(
        "UnsupportedOperationException",
        "{arn} is not a multi-Region primary key; its primary key is in {primary}.",
        "unverified"),
    "same_region": Entry(
        "ValidationException",
        "{member} {region} is the Region of this key; specify a different Region.",
        "unverified"),
    "other_partition": Entry(
        "ValidationException", "{member} {region} is not in the {partition} partition of this key.",
        "unverified", "the rule (same partition) is in the model"),
    "replica_exists": Entry("AlreadyExistsException", "Replica key {arn} already exists.",
                            "unverified", "the case is in the model"),
    "no_replica_there": Entry("NotFoundException", "There is no replica of {arn} in {region}.",
                              "unverified"),
    # --- custom key stores -------------------------------------------------------------------
    "custom_key_store_name_not_found": Entry(
        "CustomKeyStoreNotFoundException", "Custom key store with name {name} does not exist",
        "unverified"),
    "custom_key_store_state": Entry(
        "CustomKeyStoreInvalidStateException",
        "Custom key store {store_id} has ConnectionState {state}, which is not valid for "
        "{operation}.", "unverified", "the states each operation needs are in the model"),
    "custom_key_store_name_in_use": Entry(
        "CustomKeyStoreNameInUseException",
        "A custom key store named {name} already exists in this account and Region.",
        "unverified"),
    "custom_key_store_limit": Entry(
        "LimitExceededException",
        "This account already has {limit} custom key stores in {region}.", "unverified",
        "the quota (10 per account and Region) is in the guide"),
    "cloudhsm_cluster_in_use": Entry(
        "CloudHsmClusterInUseException",
        "CloudHSM cluster {cluster} is already associated with custom key store {other}.",
        "unverified"),
    "cloudhsm_cluster_not_related": Entry(
        "CloudHsmClusterNotRelatedException",
        "CloudHSM cluster {cluster} does not share a backup history with {current}, the cluster "
        "of custom key store {store_id}.", "unverified"),
    "trust_anchor_invalid": Entry(
        "IncorrectTrustAnchorException",
        "The TrustAnchorCertificate is not a PEM-encoded X.509 certificate (the contents of the "
        "cluster's customerCA.crt).", "unverified"),
    "xks_uri_in_use": Entry(
        "XksProxyUriInUseException",
        "{address} is already the proxy address of custom key store {other}.", "unverified"),
    "xks_endpoint_in_use": Entry(
        "XksProxyUriEndpointInUseException",
        "{endpoint} is already used by custom key store {other}.", "unverified"),
    "custom_key_store_has_keys": Entry(
        "CustomKeyStoreHasCMKsException",
        "Custom key store {store_id} contains KMS keys; schedule their deletion and wait until "
        "they are deleted.", "unverified"),
    "xks_vpc_service_in_use": Entry(
        "XksProxyVpcEndpointServiceInUseException",
        "{service} is already used by custom key store {other}.", "unverified"),
    "xks_vpc_service_required": Entry(
        "ValidationException",
        "XksProxyVpcEndpointServiceName is required when XksProxyConnectivity is "
        "VPC_ENDPOINT_SERVICE.", "unverified", "the rule is in the model"),
    "xks_key_id_required": Entry("ValidationException",
                                 "XksKeyId is required when Origin is EXTERNAL_KEY_STORE",
                                 "unverified", "the rule is in the model"),
    "xks_key_in_use": Entry(
        "XksKeyAlreadyInUseException",
        "External key {xks_key_id} is already associated with a KMS key in {store_id}.",
        "unverified"),
    "store_members_invalid": Entry(
        "ValidationException",
        "{members} not valid for a custom key store of type {store_type}.", "unverified"),
    "store_members_required": Entry(
        "ValidationException",
        "{members} required for a custom key store of type {store_type}.", "unverified",
        "which members each type needs is in the model"),
    "store_id_or_name": Entry("ValidationException",
                              "Specify CustomKeyStoreId or CustomKeyStoreName, but not both.",
                              "unverified", "the rule is in the model"),
    "store_origin_needed": Entry(
        "ValidationException",
        "Origin must be AWS_CLOUDHSM or EXTERNAL_KEY_STORE when CustomKeyStoreId is given.",
        "unverified"),
    "store_origin_mismatch": Entry(
        "ValidationException",
        "Custom key store {store_id} is of type {store_type}; Origin must be {origin}.",
        "unverified"),
    "store_key_spec": Entry(
        "UnsupportedOperationException",
        "KeySpec {spec} is not supported in a custom key store; only SYMMETRIC_DEFAULT "
        "encryption keys are.", "unverified", "the rule is in the model"),
    "store_multi_region": Entry("UnsupportedOperationException",
                                "Multi-Region keys cannot be created in a custom key store.",
                                "unverified", "the rule is in the model"),
    "store_no_data_key_pairs": Entry(
        "UnsupportedOperationException",
        "{arn} is in a custom key store; KMS does not generate data key pairs under KMS keys in "
        "custom key stores.", "unverified",
        "the rule is in the model; the code is in both operations' error lists"),
    "xks_no_random": Entry("UnsupportedOperationException",
                           "GenerateRandom is not supported for external key stores.",
                           "unverified"),
}
# fmt: on
TABLE.update(_EXTERNAL)


def err(name: str, /, **fields: object) -> KmsError:
    """The KmsError ``TABLE[name]`` describes, its message filled from ``fields``."""
    entry = TABLE[name]
    text = None if entry.text is None else entry.text.format(**fields)
    return CODES[entry.code](text)
