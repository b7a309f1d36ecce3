"""KMS errors, with AWS's error codes and (where known) AWS's messages. One place.

Every failure the sandbox reports is a :class:`KmsError` subclass carrying the AWS error
code (the JSON ``__type``), the HTTP status and the message. The message builders below hold
the texts; where AWS's exact wording is known from recorded responses (see
shared/reference/kms-semantics.md section 1.3) it is reproduced exactly, otherwise the most
likely wording is used and marked "unverified" beside it.
"""

from __future__ import annotations


class KmsError(Exception):
    """A KMS error response: ``code`` becomes ``__type``, ``message`` the ``message``."""

    code: str = "KMSInternalException"
    status: int = 400

    def __init__(self, message: str = "") -> None:
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
SerializationException = _error("SerializationException")
UnknownOperationException = _error("UnknownOperationException")
KMSInternalException = _error("KMSInternalException", 500)


# --- message builders -------------------------------------------------------------------


def key_not_found(arn: str) -> KmsError:
    return NotFoundException(f"Key '{arn}' does not exist")  # aws-recorded


def invalid_key_id(text: str) -> KmsError:
    return NotFoundException(f"Invalid keyId '{text}'")  # aws-recorded


def invalid_arn_region(region: str) -> KmsError:
    return NotFoundException(f"Invalid arn {region}")  # aws-recorded (ARN of another Region)


def alias_not_found(alias_arn: str) -> KmsError:
    # AWS puts the alias ARN in the message (LocalStack's reading; exact text unverified).
    return NotFoundException(f"Alias {alias_arn} is not found.")


def disabled(arn: str) -> KmsError:
    return DisabledException(f"{arn} is disabled.")  # aws-recorded


def pending_deletion(arn: str) -> KmsError:
    # The key-state table allows DisabledException or KMSInvalidStateException for a key
    # pending deletion; we answer KMSInvalidStateException (what current AWS answers for the
    # cryptographic operations; the text is the key-state table's).
    return KMSInvalidStateException(f"{arn} is pending deletion.")


def pending_import(arn: str) -> KmsError:
    return KMSInvalidStateException(f"{arn} is pending import.")  # aws-recorded


def wrong_key_usage(arn: str, usage: str, operation: str) -> KmsError:
    # aws-recorded for Encrypt, GenerateMac, Sign and Verify.
    return InvalidKeyUsageException(
        f"{arn} key usage is {usage} which is not valid for {operation}."
    )


def wrong_key_spec(arn: str, spec: str, operation: str) -> KmsError:
    # An asymmetric ENCRYPT_DECRYPT key (RSA, SM2) used where only a symmetric encryption key
    # can serve (GenerateDataKey*, wrapping a data key pair). AWS documents the refusal and
    # InvalidKeyUsageException as the bucket for "KeySpec incompatible with the operation";
    # the wording mirrors the recorded key-usage message (unverified).
    return InvalidKeyUsageException(f"{arn} key spec is {spec} which is not valid for {operation}.")


def algorithm_incompatible(algorithm: str, spec: str) -> KmsError:
    # aws-recorded for MAC algorithms ("Algorithm HMAC_SHA_256 is incompatible with key spec
    # HMAC_224."); used for signing and encryption algorithms too.
    return InvalidKeyUsageException(f"Algorithm {algorithm} is incompatible with key spec {spec}.")


def incorrect_key() -> KmsError:
    return IncorrectKeyException(  # aws-recorded
        "The key ID in the request does not identify a CMK that can perform this operation."
    )


def invalid_ciphertext() -> KmsError:
    return InvalidCiphertextException("")  # aws-recorded: the message is empty


def ciphertext_key_inaccessible() -> KmsError:
    # A symmetric blob whose KMS key no longer exists (deleted) or lives in another Region.
    # AWS's answer is unverified here; this is the long-standing AWS text that local-kms and
    # moto reproduce.
    return AccessDeniedException(
        "The ciphertext refers to a customer master key that does not exist, does not exist "
        "in this region, or you are not allowed to access."
    )


def dry_run() -> KmsError:
    return DryRunOperationException(  # aws-recorded
        "The request would have succeeded, but the DryRun option is set."
    )


def invalid_grant_token() -> KmsError:
    return InvalidGrantTokenException("The grant token is not valid.")  # wording unverified


def invalid_marker() -> KmsError:
    return InvalidMarkerException("The marker is not valid.")  # wording unverified


def aws_managed_denied(account_id: str, partition: str, action: str, arn: str) -> KmsError:
    # AWS managed keys carry a key policy that lets account principals use them only through
    # the owning service (kms:ViaService) and never change them; a direct call is refused by
    # the policy. The wording follows IAM's usual denial text (unverified for KMS).
    return AccessDeniedException(
        f"User: arn:{partition}:iam::{account_id}:root is not authorized to perform: "
        f"kms:{action} on resource: {arn} because no resource-based policy allows the "
        f"kms:{action} action"
    )


# SM2 outside China Regions: the ONE place that decides the code and text.
# kms-semantics.md 1.3: "The SM2 key spec is only available in China Regions" (docs); the code
# is unverified for GenerateDataKeyPair. A user report (floci-io/floci issue #3026) shows real
# KMS in us-east-1 answering CreateKey KeySpec=SM2 with UnsupportedOperationException
# "KeySpec SM2 is not supported in this Region", and UnsupportedOperationException is in the
# error list of both data-key-pair operations, so we answer that for both parameters.
def sm2_not_in_region(parameter: str) -> KmsError:
    return UnsupportedOperationException(f"{parameter} SM2 is not supported in this Region")


def invalid_arn(ref: str) -> KmsError:
    # A string that starts like an ARN but is not a KMS key or alias ARN.
    # InvalidArnException is in the error lists; the wording is unverified.
    return InvalidArnException(f"ARN {ref} is not a valid KMS key or alias ARN")


def invalid_arn_partition(ref: str, partition: str) -> KmsError:
    return InvalidArnException(f"ARN {ref} is not valid in partition {partition}")  # unverified


def recipient_unsupported() -> KmsError:
    # AWS would answer a ValidationException for an attestation document it cannot verify.
    return ValidationException(
        "The kmsworkbench sandbox cannot verify Nitro Enclaves attestation documents; "
        "remove Recipient."
    )


def tag_reserved(key: str) -> KmsError:
    # "aws:" is reserved for AWS use (tagging docs); wording unverified.
    return TagException(f"Tag key {key} is reserved: tag keys cannot begin with aws:")


def too_many_tags() -> KmsError:
    return LimitExceededException("A KMS key can have at most 50 tags")


def alias_prefix_missing() -> KmsError:
    return ValidationException(  # aws-recorded
        'Alias must start with the prefix "alias/". Please see '
        "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
    )


def alias_reserved(name: str, operation: str) -> KmsError:
    # Reserved for AWS managed keys (CreateAlias docs). The code is ValidationException as
    # for the other alias-name rules; wording unverified.
    return ValidationException(
        f'Alias {name} must not begin with "alias/aws/"; that prefix is reserved for '
        f"AWS managed keys and cannot be used with {operation}."
    )


def custom_key_store_not_found(store_id: str) -> KmsError:
    return CustomKeyStoreNotFoundException(f"Custom key store {store_id} does not exist")


def asymmetric_context() -> KmsError:
    # "Encryption context is not supported with asymmetric KMS keys" (docs); the code is
    # unverified -- a request member the key cannot honour is a ValidationException.
    return ValidationException("EncryptionContext is not supported with asymmetric KMS keys.")


def asymmetric_needs_key_id() -> KmsError:
    # "If you used an asymmetric KMS key, you must specify KeyId" (docs); code unverified.
    return ValidationException(
        "KeyId is required when EncryptionAlgorithm is not SYMMETRIC_DEFAULT."
    )


def no_public_key(arn: str, spec: str) -> KmsError:
    # Symmetric and HMAC keys have no public key; UnsupportedOperationException is in the
    # error list, the wording is unverified.
    return UnsupportedOperationException(
        f"{arn} key spec is {spec} which is not valid for GetPublicKey."
    )


def invalid_signature() -> KmsError:
    return KMSInvalidSignatureException("")  # aws-recorded: empty message


def invalid_mac() -> KmsError:
    return KMSInvalidMacException("")  # aws-recorded: empty message
