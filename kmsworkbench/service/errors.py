"""One exception for every failed KMS call, with plain-words explanations.

``str(KmsError)`` is the line the AWS CLI prints for the same failure: for service errors
"An error occurred (Code) when calling the Operation operation: message", for client-side
failures (no credentials, endpoint unreachable, ...) botocore's own message, as the AWS CLI
shows it. ``explanation`` and ``remedy`` say what it means and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmsworkbench.service.context import CONTEXT_RULE
from kmsworkbench.service.keyref import arn_region

EXIT_USAGE = 252
EXIT_SERVICE = 254
EXIT_OTHER = 255

# Codes botocore raises client-side; the AWS CLI prints their message and exits 255
# (252 for parameter validation).
CLIENT_SIDE_CODES = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "SSLError",
        "NoRegionError",
        "ProfileNotFound",
        "TokenRetrievalError",
        "UnauthorizedSSOTokenError",
        "SSOTokenLoadError",
        "ParamValidationError",
        "InvalidEndpoint",
        "SandboxUnavailable",
    }
)

_PERMISSION = {
    "GenerateDataKeyPairWithoutPlaintext": "kms:GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyPair": "kms:GenerateDataKeyPair",
    "Decrypt": "kms:Decrypt",
    "DescribeKey": "kms:DescribeKey",
    "ListKeys": "kms:ListKeys",
    "ListAliases": "kms:ListAliases",
    "CreateKey": "kms:CreateKey",
    "CreateAlias": "kms:CreateAlias",
    "EnableKey": "kms:EnableKey",
    "DisableKey": "kms:DisableKey",
    "ScheduleKeyDeletion": "kms:ScheduleKeyDeletion",
    "CancelKeyDeletion": "kms:CancelKeyDeletion",
    "GetCallerIdentity": "sts:GetCallerIdentity",
}


class KmsError(Exception):
    """A failed KMS call. ``code`` is the KMS error code (or the botocore exception name for
    client-side failures)."""

    def __init__(
        self,
        code: str,
        message: str,
        operation: str,
        *,
        request_id: str | None = None,
        http_status: int | None = None,
        explanation: str = "",
        remedy: str = "",
        client_side: bool | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.operation = operation
        self.request_id = request_id
        self.http_status = http_status
        self.explanation = explanation
        self.remedy = remedy
        self.client_side = code in CLIENT_SIDE_CODES if client_side is None else client_side
        super().__init__(self.cli_line)

    @property
    def cli_line(self) -> str:
        if self.client_side:
            return self.message
        return (
            f"An error occurred ({self.code}) when calling the {self.operation} operation: "
            f"{self.message}"
        )

    @property
    def exit_code(self) -> int:
        if self.code == "ParamValidationError":
            return EXIT_USAGE
        return EXIT_OTHER if self.client_side else EXIT_SERVICE

    @property
    def retryable(self) -> bool:
        return self.code in {
            "ThrottlingException",
            "DependencyTimeoutException",
            "KMSInternalException",
            "KeyUnavailableException",
            "EndpointConnectionError",
            "ConnectTimeoutError",
            "ReadTimeoutError",
        }

    def __str__(self) -> str:
        return self.cli_line

    def __repr__(self) -> str:
        return (
            f"KmsError(code={self.code!r}, operation={self.operation!r}, message={self.message!r})"
        )


def explain(
    code: str,
    message: str,
    operation: str,
    *,
    params: Mapping[str, Any] | None = None,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
) -> tuple[str, str]:
    """(explanation, remedy) in plain words for an error code met in ``operation``."""
    params = params or {}
    key_id = str(params.get("KeyId") or "")
    login = f"aws sso login --profile {profile}" if profile else "aws sso login"
    key_region = arn_region(key_id) if key_id else None
    if code == "NotFoundException" and key_region and region and key_region != region:
        return (
            f"The key ARN names Region {key_region}, but this call went to {region}. "
            "KMS keys live in one Region and are only found there.",
            f"Use --region {key_region}, or a key from {region}.",
        )
    if code == "InvalidCiphertextException":
        return (
            "KMS could not decrypt the ciphertext. Either the encryption context is not the "
            "one used when the pair was generated, or the ciphertext is damaged. " + CONTEXT_RULE,
            "Pass the exact encryption context given at generation (check case and every "
            "pair), and the unmodified PrivateKeyCiphertextBlob.",
        )
    if code in ("AccessDeniedException", "AccessDenied"):
        perm = _PERMISSION.get(operation, f"kms:{operation}")
        if "ciphertext refers to" in message:
            return (
                "The ciphertext names a KMS key that does not exist here, not in this "
                "Region, or that you may not use.",
                "Use the same account, Region and backend the pair was generated with.",
            )
        return (
            f"Your identity is not allowed to call {operation} with this key: it needs "
            f"the permission {perm} in the key policy or an IAM policy (or a grant).",
            f"Ask the key's administrator to allow {perm} for your role on this key, or "
            "pass a grant token with --grant-tokens.",
        )
    if code in (
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "UnauthorizedSSOTokenError",
        "TokenRetrievalError",
        "SSOTokenLoadError",
    ):
        return (
            "Your AWS credentials have expired (or the SSO session is no longer valid).",
            f"Log in again: {login} (or refresh your temporary credentials), then retry.",
        )
    if code in ("NoCredentialsError", "PartialCredentialsError"):
        return (
            "No AWS credentials were found (environment, profile, SSO or instance role).",
            "Run aws configure or aws sso login --profile NAME and pass --profile NAME; for "
            'a served sandbox run eval "$(kmsworkbench sandbox env)"; or use the sandbox '
            "(no --aws/--profile/--endpoint-url).",
        )
    if code in ("EndpointConnectionError", "ConnectTimeoutError", "InvalidEndpoint"):
        where = endpoint_url or "the KMS endpoint"
        return (
            f"The KMS endpoint {where} is unreachable: nothing answered there.",
            "Check the URL and port, start it (kmsworkbench serve), check your network or "
            "proxy, or raise --cli-connect-timeout.",
        )
    if code == "ReadTimeoutError":
        return (
            f"The endpoint {endpoint_url or ''} accepted the connection but did not answer "
            "in time.".replace("  ", " "),
            "Retry, or raise --cli-read-timeout.",
        )
    if code == "SSLError":
        return (
            "The TLS connection to the endpoint failed (certificate not trusted or wrong host).",
            "Pass --ca-bundle with your CA certificates, or --no-verify-ssl for a test endpoint.",
        )
    if code == "NoRegionError":
        return (
            "No AWS Region is configured, and KMS keys are regional.",
            "Pass --region (e.g. --region eu-west-1), set AWS_REGION, or set region in your "
            "profile.",
        )
    if code == "ProfileNotFound":
        return (
            "That AWS profile is not in your AWS config or credentials file.",
            "Check the name with aws configure list-profiles.",
        )
    if code == "ThrottlingException":
        return (
            "KMS refused the call because this account exceeded its request quota for the "
            "operation in this Region (GenerateDataKeyPair has low per-spec quotas, e.g. one "
            "RSA_2048 pair per second).",
            "Slow down and retry; kmsworkbench generate --count paces itself and backs off.",
        )
    if code == "DisabledException":
        return (
            "The KMS key is disabled, so it cannot be used for cryptographic operations "
            "(or it is pending deletion).",
            "Enable it (aws kms enable-key --key-id ...) or choose another key.",
        )
    if code == "KMSInvalidStateException":
        return (
            "The KMS key is in a state that does not allow this operation (pending deletion, "
            "pending import, unavailable or still being created).",
            "Check its state with DescribeKey; cancel a scheduled deletion with "
            "aws kms cancel-key-deletion, or choose another key.",
        )
    if code == "NotFoundException":
        if "Invalid keyId" in message:
            return (
                "The KeyId is not a key ID, key ARN, alias name or alias ARN.",
                "Pass a key ID (UUID), a key ARN, or an alias name starting with alias/.",
            )
        if "Invalid arn" in message:
            return (
                "The ARN names another Region (or is malformed). KMS keys are regional.",
                "Use --region with the Region in the ARN, or a key from this Region.",
            )
        return (
            "No KMS key or alias by that name exists in this account and Region.",
            "List keys with kmsworkbench keys --all; check the Region (--region) and the "
            "account (--profile).",
        )
    if code == "InvalidKeyUsageException":
        return (
            "This KMS key cannot wrap a data key pair: only a symmetric encryption key "
            "(SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT) can. Asymmetric, HMAC, signing, key agreement "
            "and key encapsulation (ML-KEM) keys cannot.",
            "Choose a symmetric encryption key (kmsworkbench keys shows which are eligible).",
        )
    if code == "IncorrectKeyException":
        return (
            "The KeyId in the request is not the key that encrypted this ciphertext.",
            "Omit the KeyId, or pass the key ARN the pair was generated under.",
        )
    if code == "DryRunOperationException":
        return (
            "Dry run: the request would have succeeded. You have the permission and the key "
            "and parameters are valid; nothing was generated or decrypted.",
            "Run it again without --dry-run to do it.",
        )
    if code == "UnrecognizedClientException":
        return (
            "KMS does not recognise the access key: wrong credentials for this endpoint, or "
            "credentials from another partition or Region (or the served sandbox's "
            "credentials are not in your environment).",
            "Check --profile and --region; for a served sandbox run "
            'eval "$(kmsworkbench sandbox env)".',
        )
    if code in ("InvalidSignatureException", "SignatureDoesNotMatch"):
        return (
            "The request signature does not match: the secret access key is wrong, or the "
            "clock of this machine is off.",
            "Check the credentials in use (aws configure list) and the system clock.",
        )
    if code == "ValidationException":
        return (
            "KMS rejected a parameter (a value outside its allowed set, too long, or of the "
            "wrong form); the message names it.",
            "Fix the parameter the message names, e.g. a --key-pair-spec from the list in "
            "kmsworkbench generate --help.",
        )
    if code == "ParamValidationError":
        return (
            "botocore rejected the parameters before sending anything.",
            "Fix the parameter the message names.",
        )
    if code == "UnsupportedOperationException":
        return (
            "KMS does not support this operation here: e.g. SM2 outside China Regions, or a "
            "key in a custom key store.",
            "Use a spec available in this Region, or a key in the standard key store.",
        )
    if code == "InvalidGrantTokenException":
        return (
            "A grant token passed with --grant-tokens is not valid.",
            "Use the token CreateGrant returned, unchanged; or leave --grant-tokens out.",
        )
    if code == "StoreLockedError":
        return (
            "The sandbox's key material is encrypted at rest; opening it needs the passphrase.",
            "Set the environment variable the message names, or run on a terminal to be asked.",
        )
    if code in ("StoreDamagedError", "StoreTooNewError", "StoreError") or (
        code == "KMSInternalException" and "cannot use its store" in message
    ):
        return (
            "The sandbox's store file cannot be used, so retrying will not help; nothing is "
            "written to it.",
            "Run 'kmsworkbench sandbox check' for a full report, or restore a backup into a "
            "new folder with 'kmsworkbench sandbox restore'.",
        )
    if code in ("KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException"):
        return (
            "KMS had a temporary internal problem.",
            "Retry in a moment.",
        )
    if code == "SandboxUnavailable":
        return (
            "The embedded sandbox could not be opened.",
            "Check the data folder (--data-dir or KMSWORKBENCH_HOME) exists and is yours.",
        )
    return ("KMS rejected the call; the message above is KMS's own words.", "")


def from_exception(
    exc: BaseException,
    operation: str,
    *,
    params: Mapping[str, Any] | None = None,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
) -> KmsError:
    """Turn any failure of a boto3 KMS call into a KmsError (a KmsError passes through)."""
    if isinstance(exc, KmsError):
        return exc
    code: str
    message: str
    request_id: str | None = None
    status: int | None = None
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response.get("Error") or {}
        code = str(err.get("Code") or type(exc).__name__)
        message = str(err.get("Message") or "")
        meta = response.get("ResponseMetadata") or {}
        request_id = meta.get("RequestId") or None
        status = meta.get("HTTPStatusCode")
        client_side = False
    else:
        code = type(exc).__name__
        message = str(exc)
        if code == "EndpointConnectionError" or code == "ConnectTimeoutError":
            endpoint_url = getattr(exc, "kwargs", {}).get("endpoint_url") or endpoint_url
        client_side = True
        if code not in CLIENT_SIDE_CODES:
            # urllib3/socket errors botocore did not wrap, OS errors, ...
            code = code if code.endswith(("Error", "Exception")) else f"{code}Error"
    explanation, remedy = explain(
        code,
        message,
        operation,
        params=params,
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
    )
    return KmsError(
        code,
        message,
        operation,
        request_id=request_id,
        http_status=status,
        explanation=explanation,
        remedy=remedy,
        client_side=client_side,
    )
