"""CloudTrail's LookupEvents over the sandbox trail (AWS JSON 1.1, SigV4 service
``cloudtrail``), so ``aws cloudtrail lookup-events --endpoint-url ...`` reads the sandbox.

The caller sees the events of its own account: calls its principals made, and calls made on
its keys from other accounts (CloudTrail delivers a cross-account call to both accounts).
The account root may look events up; an IAM user or role needs ``cloudtrail:LookupEvents``
in an identity policy, as in AWS.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from kmsworkbench.sandbox import iam_store, trail
from kmsworkbench.sandbox.access.conditions import evaluate as evaluate_condition
from kmsworkbench.sandbox.access.policy import statement_action, statement_resource

if TYPE_CHECKING:
    from kmsworkbench.sandbox import Sandbox
    from kmsworkbench.sandbox.access import Caller

TARGET_PREFIX = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
CONTENT_TYPE = "application/x-amz-json-1.1"
_SCAN = 2_000  # events examined per page at most (account filtering happens after SQL)


def _answer(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return (
        status,
        {
            "x-amzn-RequestId": str(uuid.uuid4()),
            "Content-Type": CONTENT_TYPE,
            "Content-Length": str(len(payload)),
        },
        payload,
    )


def _error(code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return _answer(400, {"__type": code, "message": message})


def _may_look_up(caller: Caller) -> bool:
    if caller.is_root:
        return True
    allowed = False
    for policy in caller.policies:
        for st in policy.statements:
            if not statement_action(st, "cloudtrail:LookupEvents") or not statement_resource(
                st, "*"
            ):
                continue
            if not evaluate_condition(st.condition, {}).holds:
                continue
            if st.effect == "Deny":
                return False
            allowed = True
    return allowed


def _visible(event: dict[str, Any], account: str) -> bool:
    return (event.get("userIdentity") or {}).get("accountId") == account or event.get(
        "recipientAccountId"
    ) == account


def lookup_events(sandbox: Sandbox, params: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """LookupEvents for ``caller``; raises :class:`trail.LookupRefused`."""
    key, value, max_results = trail.check_lookup(params)
    q: dict[str, Any] = {
        "start": float(params["StartTime"]) if params.get("StartTime") is not None else None,
        "end": float(params["EndTime"]) if params.get("EndTime") is not None else None,
    }
    if params.get("NextToken"):
        q["before_seq"] = trail.decode_token(str(params["NextToken"]))
    column = {
        "EventId": "event_id",
        "EventName": "event_name",
        "ResourceName": "key_arn",
        "AccessKeyId": "access_key",
    }.get(key or "")
    if column and value is not None:
        q[column] = value
    query = iam_store.TrailQuery(**q)
    rows = []
    with sandbox.store.transaction():
        for seq, epoch, event in iam_store.query_events(sandbox.store, query, _SCAN):
            if not _visible(event, caller.account_id):
                continue
            if key and value is not None and not trail.attribute_matches(event, key, value):
                continue
            rows.append((seq, epoch, event))
            if len(rows) > max_results:
                break
    return trail.lookup_page(rows, max_results)


def handle(
    sandbox: Sandbox, target: str, body: bytes, access_key_id: str
) -> tuple[int, dict[str, str], bytes]:
    """Answer one CloudTrail request. Never raises."""
    operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
    if operation != "LookupEvents":
        return _error(
            "UnknownOperationException",
            f"The kmsworkbench sandbox answers CloudTrail LookupEvents only, not {operation or target!r}.",
        )
    try:
        params = json.loads(body.decode("utf-8") or "{}")
        if not isinstance(params, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeError):
        return _error("SerializationException", "The request body is not a JSON object.")
    try:
        caller = sandbox.caller(access_key_id)
    except Exception:
        return _error(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    if not _may_look_up(caller):
        return _error(
            "AccessDeniedException",
            f"User: {caller.session_arn} is not authorized to perform: cloudtrail:LookupEvents "
            "because no identity-based policy allows the cloudtrail:LookupEvents action",
        )
    try:
        return _answer(200, lookup_events(sandbox, params, caller))
    except trail.LookupRefused as exc:
        return _error(exc.code, exc.message)
    except (TypeError, ValueError) as exc:
        return _error("InvalidParameterException", f"The request is not valid: {exc}")
