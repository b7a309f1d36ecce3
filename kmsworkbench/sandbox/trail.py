"""CloudTrail-shaped records of sandbox calls, and CloudTrail's LookupEvents over them.

The record has CloudTrail's fields for KMS management events (KMS Developer Guide,
"Logging AWS KMS API calls with AWS CloudTrail", and its per-operation examples):

- ``requestParameters``: the request members in lowerCamelCase, the encryption context in
  plaintext (as CloudTrail shows it), with every blob member (plaintexts, ciphertexts,
  messages, signatures, import material) and every member botocore's model marks sensitive
  left out. Grant tokens are left out too: until its grant is in effect a token is a bearer
  credential. ``Decrypt`` always shows ``encryptionAlgorithm`` and the key ARN.
- ``responseElements``: null for the cryptographic operations and most others, as in
  CloudTrail; a few management operations give what CloudTrail's examples show
  (CreateKey's keyMetadata, CreateGrant's grantId and keyId, ScheduleKeyDeletion's ...).
- ``additionalEventData.keyMaterialId`` where the response names the key material.
- ``errorCode``/``errorMessage`` for refused or failed calls.

Nothing from a response body other than those elements is copied, so no plaintext, data key
or private key can reach a record.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kmsworkbench.sandbox.access.context import iso
from kmsworkbench.sandbox.access.principals import Caller

EVENT_VERSION = "1.11"
EVENT_SOURCE = "kms.amazonaws.com"
DEFAULT_RETENTION_DAYS = 90.0  # CloudTrail event history keeps 90 days

# Operations CloudTrail marks readOnly: true besides Describe*/Get*/List*.
_READ_ONLY = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateRandom",
        "GenerateMac",
        "VerifyMac",
        "Sign",
        "Verify",
        "DeriveSharedSecret",
        "Decapsulate",
    }
)
# The cryptographic operations (GetKeyLastUsage reports the last of these on a key).
CRYPTOGRAPHIC = _READ_ONLY - {"GenerateRandom"}
_OMITTED = frozenset({"GrantTokens"})


def is_read_only(operation: str) -> bool:
    return operation.startswith(("Describe", "Get", "List")) or operation in _READ_ONLY


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _shown(shape: Any, value: object) -> object:
    """``value`` as CloudTrail shows it, or ``_DROP`` for what it leaves out."""
    kind = shape.type_name
    if kind == "blob" or shape.metadata.get("sensitive") or isinstance(value, bytes | bytearray):
        return _DROP
    if kind == "structure" and isinstance(value, Mapping):
        out = {}
        for name, member in shape.members.items():
            if name in value and name not in _OMITTED:
                shown = _shown(member, value[name])
                if shown is not _DROP:
                    out[_camel(name)] = shown
        return out
    if kind == "list" and isinstance(value, list | tuple):
        items = [_shown(shape.member, v) for v in value]
        return [v for v in items if v is not _DROP]
    if kind == "map" and isinstance(value, Mapping):
        return {str(k): v for k, v in value.items() if isinstance(v, str)}  # keys kept as-is
    if kind == "timestamp" and isinstance(value, int | float):
        return iso(float(value))
    return value


_DROP = object()


def request_parameters(operation: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
    from kmsworkbench.sandbox.validation import service_model

    try:
        shape = service_model().operation_model(operation).input_shape
    except Exception:  # an operation botocore does not know: show nothing rather than guess
        return None
    if shape is None:
        return None
    shown = _shown(shape, dict(params))
    return shown if isinstance(shown, dict) and shown else None


def _camel_tree(value: object) -> object:
    if isinstance(value, Mapping):
        return {_camel(str(k)): _camel_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_tree(v) for v in value]
    if isinstance(value, float):
        return iso(value)
    return value


def response_elements(
    operation: str, response: Mapping[str, Any] | None, key_arn: str | None
) -> dict[str, Any] | None:
    if response is None:
        return None
    if operation == "CreateKey" and "KeyMetadata" in response:
        meta = {k: v for k, v in response["KeyMetadata"].items() if not isinstance(v, bytes)}
        return {"keyMetadata": _camel_tree(meta)}
    if operation == "CreateGrant":
        return {"grantId": response.get("GrantId"), "keyId": key_arn}
    if operation == "ScheduleKeyDeletion":
        out = {
            "keyId": response.get("KeyId"),
            "keyState": response.get("KeyState"),
            "deletionDate": iso(response["DeletionDate"]) if "DeletionDate" in response else None,
            "pendingWindowInDays": response.get("PendingWindowInDays"),
        }
        return {k: v for k, v in out.items() if v is not None}
    if operation == "CancelKeyDeletion":
        return {"keyId": response.get("KeyId")}
    return None


@dataclass(frozen=True, slots=True)
class CallRecord:
    """What the trail needs to know of one call."""

    operation: str
    params: Mapping[str, Any]
    caller: Caller
    region: str
    time: float
    request_id: str
    response: Mapping[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    key_arn: str | None = None
    key_account: str | None = None
    source_ip: str = "127.0.0.1"
    user_agent: str = ""
    event_id: str | None = None  # chosen up front so GetKeyLastUsage can name the event


def build_event(call: CallRecord) -> dict[str, Any]:
    """The CloudTrail record of ``call``."""
    params = request_parameters(call.operation, call.params)
    if call.operation == "Decrypt":
        # "always includes the encryptionAlgorithm ... even if it wasn't specified"
        params = dict(params or {})
        params.setdefault("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
        if call.key_arn:
            params["keyId"] = params.get("keyId") or call.key_arn
    event: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": call.caller.user_identity(),
        "eventTime": iso(call.time),
        "eventSource": EVENT_SOURCE,
        "eventName": call.operation,
        "awsRegion": call.region,
        "sourceIPAddress": call.source_ip,
        "userAgent": call.user_agent,
    }
    if call.error_code:
        event["errorCode"] = call.error_code
        event["errorMessage"] = call.error_message or ""
    ok = call.error_code is None
    event["requestParameters"] = params
    event["responseElements"] = (
        response_elements(call.operation, call.response, call.key_arn) if ok else None
    )
    material = (call.response or {}).get("KeyMaterialId") if ok else None
    if isinstance(material, str):
        event["additionalEventData"] = {"keyMaterialId": material}
    event["requestID"] = call.request_id
    event["eventID"] = call.event_id or str(uuid.uuid4())
    event["readOnly"] = is_read_only(call.operation)
    if call.key_arn:
        event["resources"] = [
            {
                "accountId": call.key_account or call.caller.account_id,
                "type": "AWS::KMS::Key",
                "ARN": call.key_arn,
            }
        ]
    event["eventType"] = "AwsApiCall"
    event["managementEvent"] = True
    event["recipientAccountId"] = call.key_account or call.caller.account_id
    event["eventCategory"] = "Management"
    return event


# --- LookupEvents ---------------------------------------------------------------------------

LOOKUP_ATTRIBUTES = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)


class LookupRefused(ValueError):
    """A LookupEvents request CloudTrail refuses: ``code`` is its error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def username_of(event: Mapping[str, Any]) -> str:
    ui = event.get("userIdentity") or {}
    if ui.get("type") == "Root":
        return "root"
    if ui.get("type") == "AssumedRole":
        return str(ui.get("arn", "")).rsplit("/", 1)[-1]
    return str(ui.get("userName", ""))


def attribute_matches(event: Mapping[str, Any], key: str, value: str) -> bool:
    if key == "EventId":
        return event.get("eventID") == value
    if key == "EventName":
        return event.get("eventName") == value
    if key == "ReadOnly":
        return str(event.get("readOnly")).lower() == value.lower()
    if key == "Username":
        return username_of(event) == value
    if key == "ResourceType":
        return any(r.get("type") == value for r in event.get("resources") or [])
    if key == "ResourceName":
        return any(r.get("ARN") == value for r in event.get("resources") or [])
    if key == "EventSource":
        return event.get("eventSource") == value
    if key == "AccessKeyId":
        return (event.get("userIdentity") or {}).get("accessKeyId") == value
    return False


def lookup_entry(event: Mapping[str, Any], epoch: float) -> dict[str, Any]:
    """One entry of LookupEvents' ``Events`` list."""
    return {
        "EventId": event["eventID"],
        "EventName": event["eventName"],
        "ReadOnly": "true" if event.get("readOnly") else "false",
        "AccessKeyId": (event.get("userIdentity") or {}).get("accessKeyId"),
        "EventTime": epoch,
        "EventSource": event["eventSource"],
        "Username": username_of(event),
        "Resources": [
            {"ResourceType": r["type"], "ResourceName": r["ARN"]}
            for r in event.get("resources") or []
        ],
        "CloudTrailEvent": json.dumps(event, separators=(",", ":")),
    }


def check_lookup(params: Mapping[str, Any]) -> tuple[str | None, str | None, int]:
    """Validate LookupEvents' members: (attribute key, value, max results)."""
    attrs = params.get("LookupAttributes") or []
    if len(attrs) > 1:
        raise LookupRefused(
            "InvalidLookupAttributesException",
            "You cannot specify more than one lookup attribute.",
        )
    key = value = None
    if attrs:
        key, value = attrs[0].get("AttributeKey"), attrs[0].get("AttributeValue")
        if key not in LOOKUP_ATTRIBUTES:
            raise LookupRefused(
                "InvalidLookupAttributesException", f"The attribute key {key!r} is not valid."
            )
        if not isinstance(value, str) or not value:
            raise LookupRefused(
                "InvalidLookupAttributesException", "The attribute value must not be empty."
            )
    max_results = params.get("MaxResults", 50)
    if not isinstance(max_results, int) or not 1 <= max_results <= 50:
        raise LookupRefused(
            "InvalidMaxResultsException", "MaxResults must be a number from 1 through 50."
        )
    start, end = params.get("StartTime"), params.get("EndTime")
    if start is not None and end is not None and float(start) > float(end):
        raise LookupRefused(
            "InvalidTimeRangeException", "The start time must be earlier than the end time."
        )
    return key, value, max_results


def encode_token(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": position}).encode()).decode()


def decode_token(token: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        return int(data["after"])
    except Exception as exc:
        raise LookupRefused(
            "InvalidNextTokenException", "The NextToken is not valid; start over without it."
        ) from exc


def lookup_page(
    rows: Iterable[tuple[int, float, Mapping[str, Any]]], max_results: int
) -> dict[str, Any]:
    """A LookupEvents response from ``rows`` (sequence number, epoch, event), newest first,
    already filtered; one more row than ``max_results`` means there is a next page."""
    out: list[dict[str, Any]] = []
    last: int | None = None
    more = False
    for seq, epoch, event in rows:
        if len(out) == max_results:
            more = True
            break
        out.append(lookup_entry(event, epoch))
        last = seq
    response: dict[str, Any] = {"Events": out}
    if more and last is not None:
        response["NextToken"] = encode_token(last)
    return response
