"""The administrator's view of access: a key's policy with each statement explained, and
"who can do what": the decision for a principal, an action and a context, with the
statement or grant that decides it. Nothing here is a KMS call; nothing is recorded.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kmsworkbench.sandbox import enforce
from kmsworkbench.sandbox.access import explain as explain_words
from kmsworkbench.sandbox.store import KeyRecord

if TYPE_CHECKING:
    from kmsworkbench.sandbox import Sandbox


def find_key(sb: Sandbox, ref: str) -> KeyRecord:
    """The key ``ref`` names (key id, key ARN, alias name or alias ARN) in this Region."""
    name = ref.split(":", 5)[-1] if ref.startswith("arn:") else ref
    with sb.store.transaction():
        if name.startswith("alias/"):
            alias = sb.store.get_alias(sb.region, name)
            if alias is None or alias.key_id is None:
                raise ValueError(f"no key has the alias {name} in {sb.region}")
            name = alias.key_id
        key = sb.store.get_key(sb.region, name.removeprefix("key/").lower())
    if key is None:
        raise ValueError(f"no key {ref} in {sb.region} (sandbox keys: kmsworkbench keys)")
    return key


def key_arn(sb: Sandbox, ref: str) -> str:
    key = find_key(sb, ref)
    return f"arn:{sb.partition}:kms:{sb.region}:{sb.account_id}:key/{key.key_id}"


def explain_key_policy(sb: Sandbox, ref: str) -> dict[str, Any]:
    key = find_key(sb, ref)
    from kmsworkbench.sandbox.core.policy import POLICY_NAME, key_policy_text

    r = sb.engine.request(sb.region, "GetKeyPolicy")
    with sb.store.transaction():
        text = key_policy_text(r, key) or ""
        stored = sb.store.get_policy(key.region, key.key_id, POLICY_NAME) is not None
    policy = enforce.parse(text, "key", "key policy")
    return {
        "KeyId": key_arn(sb, key.key_id),
        "PolicySource": "stored (PutKeyPolicy / CreateKey)"
        if stored
        else ("AWS managed key policy" if key.key_manager == "AWS" else "the default key policy"),
        "Statements": [
            {"Index": st.index + 1, "Sid": st.sid or "", "Effect": st.effect, "Explanation": words}
            for st, words in zip(
                policy.statements, explain_words.policy(policy, sb.account_id), strict=True
            )
        ],
        "Policy": json.loads(text),
    }


def decide(
    sb: Sandbox, ref: str, principal: str, action: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Would ``principal`` be allowed ``action`` on the key, with these request members?"""
    key = find_key(sb, ref)
    access_key, _ = sb.credentials_of(principal)
    caller = sb.caller(access_key)
    arn = key_arn(sb, key.key_id)
    r = sb.engine.request(sb.region, action)
    with sb.store.transaction():
        d = enforce.decide_key(
            r,
            caller=caller,
            key=key,
            action=action,
            params=params,
            key_arn=arn,
            key_account=sb.account_id,
            partition=sb.partition,
            now=sb.clock.now(),
            request_alias=ref if ref.startswith("alias/") else None,
        )
    out: dict[str, Any] = {
        "Principal": caller.session_arn,
        "Action": f"kms:{action}",
        "KeyId": arn,
        "Decision": "Allowed" if d.allowed else "Denied",
        "DecidedBy": [b.describe() for b in d.by],
        "Explanation": d.explanation,
        "Notes": list(d.notes),
    }
    if not d.allowed:
        out["AccessDeniedMessage"] = d.message
    return out
