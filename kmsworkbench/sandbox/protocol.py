"""The KMS wire protocol (AWS JSON 1.1) in and out of the engine.

A request is ``POST /`` with ``X-Amz-Target: TrentService.<Operation>`` and a JSON object
body; blobs travel as base64 strings, timestamps as epoch seconds. A response is
``200`` with the output members as JSON, or an error: status 400 (500 for
``KMSInternalException``) with ``{"__type": "<Code>", "message": "<text>"}``, which botocore
turns into ``ClientError`` with that code.

Whatever arrives -- a body that is not JSON, not an object, members of the wrong type, bad
base64, an unknown target -- the answer is a KMS error, never an exception:
``SerializationException`` for bodies that do not deserialise, ``UnknownOperationException``
for targets KMS does not have, ``ValidationException`` for constraint violations.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import uuid
from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.engine import Engine
from kmsworkbench.sandbox.integrity import StoreError
from kmsworkbench.sandbox.validation import operation_names, service_model, validate

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "TrentService."
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1

logger = logging.getLogger("kmsworkbench.sandbox")


def _deserialize(shape: Any, value: object, path: str) -> object:
    """Check the JSON type of ``value`` against ``shape``; base64-decode blobs."""
    kind = shape.type_name

    def wrong(expected: str) -> E.KmsError:
        # Coral's own texts name Java classes; ours say what was expected (unverified).
        return E.err("member_type", path=path, expected=expected)

    if kind == "structure":
        if not isinstance(value, dict):
            raise wrong("an object")
        out: dict[str, object] = {}
        for name, member in shape.members.items():
            item = value.get(name)
            if item is not None:
                out[name] = _deserialize(member, item, f"{path}.{name}" if path else name)
        return out
    if kind == "string":
        if not isinstance(value, str):
            raise wrong("a string")
        return value
    if kind == "blob":
        if not isinstance(value, str):
            raise wrong("a base64-encoded string")
        try:
            return base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeError) as exc:
            raise wrong("valid base64") from exc
    if kind in ("integer", "long"):
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not _INT_MIN <= value <= _INT_MAX
        ):
            raise wrong("an integer")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise wrong("a boolean")
        return value
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong("a timestamp (epoch seconds)")
        return value
    if kind == "list":
        if not isinstance(value, list):
            raise wrong("a list")
        return [
            _deserialize(shape.member, item, f"{path}[{i}]")
            for i, item in enumerate(value)
            if item is not None
        ]
    if kind == "map":
        if not isinstance(value, dict):
            raise wrong("a map")
        return {
            str(k): _deserialize(shape.value, v, f"{path}.{k}")
            for k, v in value.items()
            if v is not None
        }
    raise wrong(f"a {kind}")


def parse_request(target: str, body: bytes) -> tuple[str, dict[str, Any]]:
    """Operation name and deserialised members; a KmsError when they are not acceptable."""
    if not isinstance(target, str) or not target.startswith(TARGET_PREFIX):
        raise E.err("unknown_operation")
    operation = target[len(TARGET_PREFIX) :]
    if operation not in operation_names():
        raise E.err("unknown_operation")
    try:
        text = body.decode("utf-8") if body else ""
        document = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise E.err("body_not_json") from exc
    shape = service_model().operation_model(operation).input_shape
    if not isinstance(document, dict):
        raise E.err("body_not_object")
    if shape is None:
        return operation, {}
    params = _deserialize(shape, document, "")
    assert isinstance(params, dict)
    return operation, params


def _encode(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _headers(request_id: str, payload: bytes) -> dict[str, str]:
    return {
        "x-amzn-RequestId": request_id,
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(len(payload)),
    }


def error_response(
    error: E.KmsError, request_id: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    request_id = request_id or str(uuid.uuid4())
    document = {"__type": error.code}
    if error.message is not None:  # AWS sends no message member for some errors
        document["message"] = error.message
    payload = json.dumps(document).encode("utf-8")
    return error.status, _headers(request_id, payload), payload


def handle(
    engine: Engine,
    target: str,
    body: bytes,
    region: str,
    call: Any = None,
    now: float | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Answer one request. Never raises. With ``call`` (an ``enforce.CallContext``
    whose caller is known) the call is authorized and recorded in the trail before the
    answer is returned. ``now``: the sandbox clock's time of the call (read when not given)."""
    request_id = str(uuid.uuid4())
    operation: str | None = None
    params: dict[str, Any] = {}
    result: dict[str, Any] | None = None
    failure: E.KmsError | None = None
    try:
        if now is None:
            now = engine.clock.now()
        operation, params = parse_request(target, body)
        validate(operation, params)
        result = engine.call(operation, params, region, request_id, call, now)
        payload = json.dumps(_encode(result), separators=(",", ":")).encode("utf-8")
        answer = 200, _headers(request_id, payload), payload
    except E.KmsError as error:
        failure = error
        answer = error_response(error, request_id)
    except StoreError as exc:
        # A damaged store is not a passing problem: say which file and what to do.
        logger.error("sandbox store unusable in request %s: %s", request_id, exc)
        failure = E.err("store_unusable", problem=str(exc))
        answer = error_response(failure, request_id)
    except Exception as exc:  # the protocol boundary answers, never raises
        # Only the exception type is logged: messages could carry request data.
        logger.error("internal error %s in request %s", type(exc).__name__, request_id)
        failure = E.err("internal_error")
        answer = error_response(failure, request_id)
    if call is not None and operation is not None and now is not None:
        _record(engine, call, operation, params, region, now, request_id, result, failure)
    return answer


def _record(
    engine: Engine,
    call: Any,
    operation: str,
    params: dict[str, Any],
    region: str,
    now: float,
    request_id: str,
    result: dict[str, Any] | None,
    failure: E.KmsError | None,
) -> None:
    """Hand the call's trail event and key last usage to the recorder (one commit for all
    the calls waiting at that moment); returns once they are written."""
    from kmsworkbench.sandbox import enforce
    from kmsworkbench.sandbox.recorder import Entry

    try:
        event = enforce.trail_event(
            call=call,
            operation=operation,
            params=params,
            region=region,
            now=now,
            request_id=request_id,
            response=result if failure is None else None,
            error=failure,
        )
        entry = Entry(now, event, call.usage if failure is None else [])
    except Exception as exc:  # the answer stands even if the trail cannot be written
        logger.error("could not record request %s in the trail: %s", request_id, type(exc).__name__)
        return
    if call.record_sink is not None:  # the caller submits it and waits for its commit
        call.record_sink.append(entry)
        return
    engine.recorder.record(entry)
