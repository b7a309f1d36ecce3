"""GenerateMac, VerifyMac: HMAC keys."""

from __future__ import annotations

import hashlib
import hmac

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    dry_run,
    operation,
    tx,
    usable_key,
)
from kmsworkbench.sandbox.store import KeyRecord


def _mac(r: Request, p: Params) -> tuple[KeyRecord, bytes]:
    def work(write: bool) -> KeyRecord:
        key = usable_key(r, p, write, "GENERATE_VERIFY_MAC", p["MacAlgorithm"])  # aws-recorded
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
