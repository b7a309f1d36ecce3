"""GenerateMac, VerifyMac: HMAC keys."""

from __future__ import annotations

import hashlib
import hmac

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    algorithms,
    check_grant_tokens,
    check_usable,
    dry_run,
    operation,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.store import KeyRecord


def _mac(r: Request, p: Params) -> tuple[KeyRecord, bytes]:
    def work(write: bool) -> KeyRecord:
        check_grant_tokens(r, p.get("GrantTokens"))
        key = resolve_key(r, p["KeyId"], write)
        check_usable(r, key, "GENERATE_VERIFY_MAC")
        if p["MacAlgorithm"] not in algorithms(key):
            raise E.err(
                "algorithm_incompatible", algorithm=p["MacAlgorithm"], spec=key.key_spec
            )  # aws-recorded
        dry_run(p)
        return key

    key = tx(r, work)
    assert key.secret is not None
    digest = getattr(hashlib, "sha" + p["MacAlgorithm"].rsplit("_", 1)[1])
    return key, hmac.new(key.secret, p["Message"], digest).digest()


@operation("GenerateMac")
def generate_mac(r: Request, p: Params) -> Response:
    key, mac = _mac(r, p)
    return {"Mac": mac, "MacAlgorithm": p["MacAlgorithm"], "KeyId": r.key_arn(key.key_id)}


@operation("VerifyMac")
def verify_mac(r: Request, p: Params) -> Response:
    key, mac = _mac(r, p)
    if not hmac.compare_digest(mac, p["Mac"]):
        raise E.err("invalid_mac")
    return {"KeyId": r.key_arn(key.key_id), "MacValid": True, "MacAlgorithm": p["MacAlgorithm"]}
