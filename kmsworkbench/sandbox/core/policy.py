"""Key policies: the default policy AWS writes for a new key, the grammar a key policy must
follow, the lockout safety check, and :func:`key_policy`, the one place that returns a key's
policy (parsed) -- the access-control code reads policies only through it.

A key without a stored ``default`` policy has the default key policy (a key made before
schema step 2, or by CreateKey without Policy)."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core.context import Request
from kmsworkbench.sandbox.store import KeyRecord

POLICY_NAME = "default"
MAX_POLICY_BYTES = 32 * 1024  # the key policy document size quota (32 KB)
VERSIONS = ("2012-10-17", "2008-10-17")
_TOP = {"Version", "Id", "Statement"}
_STATEMENT = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}
_PRINCIPAL_KINDS = {"AWS", "Service", "Federated", "CanonicalUser"}


def default_policy_text(r: Request) -> str:
    """The default key policy, exactly as AWS writes it for a key created without one
    (the API Reference's GetKeyPolicy example, with this account's root)."""
    return (
        "{\n"
        '  "Version" : "2012-10-17",\n'
        '  "Id" : "key-default-1",\n'
        '  "Statement" : [ {\n'
        '    "Sid" : "Enable IAM User Permissions",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        f'      "AWS" : "{r.root_arn}"\n'
        "    },\n"
        '    "Action" : "kms:*",\n'
        '    "Resource" : "*"\n'
        "  } ]\n"
        "}"
    )


# AWS managed keys' policies let the account use them only through their service; the
# service each predefined alias belongs to, where its endpoint name differs.
_VIA_SERVICE = {"ebs": "ec2", "elasticfilesystem": "elasticfilesystem", "lambda": "lambda"}


def aws_managed_policy_text(r: Request, key: KeyRecord) -> str:
    """The shape of the policy AWS writes on an AWS managed key: use through the owning
    service only (kms:ViaService), metadata directly. The statements follow AWS's
    published AWS managed key policies; the Id and Sid wording are unverified."""
    aliases = r.store.list_aliases(key.region, key.key_id, None, 10)
    service = aliases[0].name.rsplit("/", 1)[-1] if aliases else "kms"
    via = f"{_VIA_SERVICE.get(service, service)}.{key.region}.amazonaws.com"
    document = {
        "Version": "2012-10-17",
        "Id": f"auto-{service}-1",
        "Statement": [
            {
                "Sid": f"Allow access through {service} for all principals in the account "
                f"that are authorized to use {service}",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:CreateGrant",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:ViaService": via, "kms:CallerAccount": r.account_id}
                },
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": r.root_arn},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                "Resource": "*",
            },
        ],
    }
    return json.dumps(document, indent=2)


def key_policy_text(r: Request, key: KeyRecord, name: str = POLICY_NAME) -> str | None:
    """The policy document ``name`` of ``key`` as stored (or the default); None if the key
    has no policy of that name."""
    stored = r.store.get_policy(key.region, key.key_id, name)
    if stored is None and name == POLICY_NAME:
        if key.key_manager == "AWS":
            return aws_managed_policy_text(r, key)
        return default_policy_text(r)
    return stored


def key_policy(r: Request, key: KeyRecord) -> dict[str, Any]:
    """The key's (default-named) key policy, parsed: what access control evaluates."""
    text = key_policy_text(r, key)
    assert text is not None
    return dict(json.loads(text))


def _malformed(detail: str) -> E.KmsError:
    return E.err("policy_malformed", detail=detail)


def _strings(value: object, what: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise _malformed(f"{what} must be a string or a list of strings")
    return [str(v) for v in items]


def _check_principal(value: object) -> None:
    if value == "*":
        return
    if not isinstance(value, dict) or not value:
        raise _malformed('Principal must be "*" or an object such as {"AWS": "<ARN>"}')
    for kind, who in value.items():
        if kind not in _PRINCIPAL_KINDS:
            raise _malformed(f"unknown principal type {kind!r}")
        _strings(who, f"Principal {kind}")


def _check_statement(statement: object, index: int) -> None:
    if not isinstance(statement, dict):
        raise _malformed(f"statement {index} is not an object")
    unknown = set(statement) - _STATEMENT
    if unknown:
        raise _malformed(f"statement {index} has unknown element(s) {', '.join(sorted(unknown))}")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise _malformed(f'statement {index}: Effect must be "Allow" or "Deny"')
    if ("Principal" in statement) == ("NotPrincipal" in statement):
        # "Each statement in the key policy must contain one or more principals" (model).
        raise _malformed(f"statement {index} must have exactly one of Principal, NotPrincipal")
    _check_principal(statement.get("Principal", statement.get("NotPrincipal")))
    if "Action" in statement and "NotAction" in statement:
        raise _malformed(f"statement {index} has both Action and NotAction")
    if "Resource" in statement and "NotResource" in statement:
        raise _malformed(f"statement {index} has both Resource and NotResource")
    # A statement without Action or Resource has no effect, and AWS accepts it (model).
    for element in ("Action", "NotAction", "Resource", "NotResource"):
        if element in statement:
            _strings(statement[element], element)
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        raise _malformed(f"statement {index}: Sid must be a string")
    condition = statement.get("Condition")
    if condition is not None:
        if not isinstance(condition, dict) or not all(
            isinstance(block, dict) for block in condition.values()
        ):
            raise _malformed(f"statement {index}: Condition must map operators to objects")


def parse_policy(text: str) -> dict[str, Any]:
    """A key policy document checked against the policy grammar (and the 32 KB quota)."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise E.err("policy_too_large", limit=MAX_POLICY_BYTES)
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise _malformed("the document is not valid JSON") from exc
    if not isinstance(document, dict):
        raise _malformed("the document must be a JSON object")
    unknown = set(document) - _TOP
    if unknown:
        raise _malformed(f"unknown top-level element(s) {', '.join(sorted(unknown))}")
    if "Version" in document and document["Version"] not in VERSIONS:
        raise _malformed(f"Version must be one of {', '.join(VERSIONS)}")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise _malformed("Statement must be an object or a non-empty list of objects")
    for index, statement in enumerate(statements):
        _check_statement(statement, index)
    sids = [s["Sid"] for s in statements if "Sid" in s]
    if len(sids) != len(set(sids)):
        raise _malformed("statement ids (Sid) must be unique")
    return dict(document)


def _covers(patterns: list[str], value: str) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def allows_policy_update(document: dict[str, Any], caller_arn: str, account_id: str) -> bool:
    """The lockout safety check: does some Allow statement let ``caller_arn`` call
    kms:PutKeyPolicy on the key (conditions aside)? The caller is the account root until
    the sandbox has other principals."""
    statements = document["Statement"]
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow" or "Principal" not in statement:
            continue
        principal = statement["Principal"]
        who = ["*"] if principal == "*" else _strings(principal.get("AWS", []) or ["-"], "AWS")
        if not ({"*", caller_arn, account_id} & set(who)):
            continue
        if "Action" in statement and _covers(
            _strings(statement["Action"], "Action"), "kms:PutKeyPolicy"
        ):
            return True
        if "NotAction" in statement and not _covers(
            _strings(statement["NotAction"], "NotAction"), "kms:PutKeyPolicy"
        ):
            return True
    return False


# Lockout checks that know the caller (kmsworkbench.sandbox.enforce registers the full
# evaluation): ``check(r, text)`` answers True/False, or None when it has no caller.
LOCKOUT_CHECKS: list[Callable[[Request, str], bool | None]] = []


def checked_policy(r: Request, text: str, bypass: bool) -> str:
    """``text`` if it may become a key's policy (CreateKey's Policy, PutKeyPolicy)."""
    document = parse_policy(text)
    if not bypass:
        verdicts = [check(r, text) for check in LOCKOUT_CHECKS]
        known = [v for v in verdicts if v is not None]
        allowed = all(known) if known else allows_policy_update(document, r.root_arn, r.account_id)
        if not allowed:
            raise E.err("policy_lockout")
    return text
