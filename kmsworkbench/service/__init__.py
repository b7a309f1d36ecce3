"""The KMS service layer: one boto3 KMS client per backend, typed results, paginated and
concurrent listing, errors explained in plain words, and a journal of every call.

No Textual here, and boto3 is imported only when a client is built.
"""

from kmsworkbench.service.backend import DEFAULT_ENDPOINT_REGION, Backend, BackendKind
from kmsworkbench.service.context import (
    CONTEXT_RULE,
    CONTEXT_WARNING,
    ContextParseError,
    format_context_for_cli,
    format_context_json,
    format_context_shorthand,
    is_plain_context,
    parse_encryption_context,
)
from kmsworkbench.service.errors import EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE, KmsError, explain
from kmsworkbench.service.journal import (
    SANDBOX_CLI_NOTE,
    Journal,
    JournalEntry,
    aws_cli_command,
    redact_params,
)
from kmsworkbench.service.keyref import arn_region, validate_key_reference
from kmsworkbench.service.models import DecryptResult, GenerateResult, KeyInfo
from kmsworkbench.service.session import KmsSession

__all__ = [
    "CONTEXT_RULE",
    "CONTEXT_WARNING",
    "DEFAULT_ENDPOINT_REGION",
    "EXIT_OTHER",
    "EXIT_SERVICE",
    "EXIT_USAGE",
    "SANDBOX_CLI_NOTE",
    "Backend",
    "BackendKind",
    "ContextParseError",
    "DecryptResult",
    "GenerateResult",
    "Journal",
    "JournalEntry",
    "KeyInfo",
    "KmsError",
    "KmsSession",
    "arn_region",
    "aws_cli_command",
    "explain",
    "format_context_for_cli",
    "format_context_json",
    "format_context_shorthand",
    "is_plain_context",
    "parse_encryption_context",
    "redact_params",
    "validate_key_reference",
]
