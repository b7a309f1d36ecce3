"""Who may do what: principals, policies, conditions and the KMS authorization decision.

Pure code below the operations (no store, no I/O): ``policy`` parses and matches policy
documents, ``conditions`` evaluates Condition blocks, ``context`` builds a request's
condition keys, ``principals`` describes callers, ``evaluate`` decides and explains, and
``explain`` puts statements into plain words.
"""

from kmsworkbench.sandbox.access.context import KeyFacts, build_context
from kmsworkbench.sandbox.access.evaluate import (
    AccessRequest,
    DecidedBy,
    Decision,
    GrantInfo,
    authorize,
)
from kmsworkbench.sandbox.access.policy import (
    Policy,
    PolicyError,
    default_key_policy,
    default_key_policy_text,
    parse,
)
from kmsworkbench.sandbox.access.principals import Caller

__all__ = [
    "AccessRequest",
    "Caller",
    "DecidedBy",
    "Decision",
    "GrantInfo",
    "KeyFacts",
    "Policy",
    "PolicyError",
    "authorize",
    "build_context",
    "default_key_policy",
    "default_key_policy_text",
    "parse",
]
