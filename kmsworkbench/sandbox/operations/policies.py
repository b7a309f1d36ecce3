"""GetKeyPolicy, PutKeyPolicy, ListKeyPolicies: a key's one key policy, named ``default``.

The sandbox stores and validates policies (core.policy); it does not enforce them yet."""

from __future__ import annotations

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    operation,
    page,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.core.policy import POLICY_NAME, checked_policy, key_policy_text


@operation("GetKeyPolicy")
def get_key_policy(r: Request, p: Params) -> Response:
    name = p.get("PolicyName") or POLICY_NAME

    def work(write: bool) -> Response:
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        text = key_policy_text(r, key, name)
        if text is None:
            raise E.err("policy_not_found", name=name, arn=r.key_arn(key.key_id))
        return {"Policy": text, "PolicyName": name}

    return tx(r, work)


@operation("PutKeyPolicy")
def put_key_policy(r: Request, p: Params) -> Response:
    name = p.get("PolicyName") or POLICY_NAME
    if name == "AWS_RAM":
        raise E.err("policy_name_ram")
    if name != POLICY_NAME:
        raise E.err("policy_name_invalid", name=name)
    policy = p["Policy"]

    def work(write: bool) -> Response:
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        checked_policy(r, policy, bool(p.get("BypassPolicyLockoutSafetyCheck")))
        r.store.put_policy(r.region, key.key_id, POLICY_NAME, policy)
        return {}

    return tx(r, work, write=True)


@operation("ListKeyPolicies")
def list_key_policies(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        resolve_key(r, p["KeyId"], write, allow_alias=False)
        names, extra = page(
            "policies",
            r,
            p,
            100,  # default 100, 1-1000 (model)
            lambda after, n: [x for x in [POLICY_NAME] if x > (after or "")][:n],
            lambda x: x,
        )
        return {"PolicyNames": names, **extra}

    return tx(r, work)
