"""Lesson actions about who may do what: principals, identity and key policies, grants,
other accounts. They change the lesson sandbox's directory (sandbox only: on AWS this is
IAM's job) and the key policy (PutKeyPolicy, the same on AWS)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..shell import Shell, var
from ..values import LocalError
from .base import Params, action

if TYPE_CHECKING:
    from kmsworkbench.sandbox import Sandbox

    from ..runner import StepContext

_DATA_DIR = '${KMSWORKBENCH_DATA_DIR:+--data-dir "$KMSWORKBENCH_DATA_DIR"}'


@contextmanager
def _sandbox(ctx: StepContext) -> Iterator[Sandbox]:
    from kmsworkbench.sandbox import Sandbox

    if ctx.run.data_dir is None:
        raise LocalError("NotASandbox", "this step needs the lesson sandbox", "")
    sandbox = Sandbox.open(ctx.run.data_dir)
    try:
        yield sandbox
    finally:
        sandbox.close()


def _directory_error(exc: Exception) -> LocalError:
    return LocalError("SandboxDirectory", str(exc), "The lesson could not set up its principals.")


def _policy_text(policy: Any) -> str:
    return json.dumps(policy, indent=2) if not isinstance(policy, str) else policy


def _substitute(ctx: StepContext, policy: Any) -> Any:
    """Saved values (``$producer.arn``) inside a policy; ``$account`` is the lesson
    sandbox's own account."""
    if isinstance(policy, str) and policy == "$account":
        return ctx.run.account_id()
    if isinstance(policy, str) and "$account" in policy and not policy.startswith("$"):
        return policy.replace("$account", ctx.run.account_id())
    if isinstance(policy, dict):
        return {k: _substitute(ctx, v) for k, v in policy.items()}
    if isinstance(policy, list):
        return [_substitute(ctx, v) for v in policy]
    return ctx.resolve(policy)


# ------------------------------------------------------------------------ add-principal


def _add_principal_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or p["name"])
    account = f" --account {sh.arg(p['account'])}" if p.get("account") else ""
    role = " --role" if p.get("role") else ""
    name = sh.arg(p["name"])
    sh.comment(f"An IAM {'role' if p.get('role') else 'user'} of the sandbox, with its own keys.")
    sh.run(
        f"kmsworkbench sandbox principals add {name}{role}{account} {_DATA_DIR} >/dev/null "
        "2>&1 || true"
    )
    if p.get("policy") is not None:
        sh.run(f'printf %s {sh.json(p["policy"])} > "$WORK/{save}.policy.json"')
        who = f"{p['account']}/{p['name']}" if p.get("account") else str(p["name"])
        sh.run(
            f'kmsworkbench sandbox principals attach {shlex.quote(who)} "$WORK/{save}.policy.json" '
            f"--policy-name lesson {_DATA_DIR} >/dev/null"
        )
    where = f"Name=='{p['name']}'" + (f" && Account=='{p['account']}'" if p.get("account") else "")
    sh.run(
        f"{var(f'{save}.arn')}=$(kmsworkbench sandbox principals list {_DATA_DIR} "
        f"--query {shlex.quote(f'Principals[?{where}].Arn | [0]')} --output text)"
    )
    sh.run(f'echo "  principal ${var(f"{save}.arn")}"')


@action(
    "add-principal",
    "An IAM user or role of the lesson sandbox, with an identity policy (sandbox directory)",
    shell=_add_principal_shell,
    required=("name",),
    optional=("role", "policy", "account"),
    save="principal",
    outputs=("arn", "name"),
)
def add_principal(ctx: StepContext, p: Params) -> None:
    from kmsworkbench.sandbox.directory import DirectoryError, add_principal, attach_policy

    name = str(ctx.param(p, "name"))
    account = ctx.param(p, "account")
    with _sandbox(ctx) as sandbox:
        ref = f"{account}/{name}" if account else name
        try:
            view = add_principal(sandbox, name, bool(p.get("role")), account)
            arn = view.arn
        except DirectoryError as exc:
            if "exists" not in str(exc) and "already" not in str(exc):
                raise _directory_error(exc) from None
            arn = next(v.arn for v in _principals(sandbox) if v.name == name)
        policy = ctx.param(p, "policy")
        if policy is not None:
            try:
                attach_policy(sandbox, ref, _policy_text(_substitute(ctx, policy)), "lesson")
            except DirectoryError as exc:
                raise _directory_error(exc) from None
    ctx.save(p, str(p.get("save") or name), arn=arn, name=ref)
    detail = f"{arn}" + (
        "\nidentity policy:\n" + _policy_text(policy) if policy is not None else ""
    )
    ctx.local(
        "sandbox principal (IAM's job on AWS)",
        detail,
        f"kmsworkbench sandbox principals add {name}",
    )


def _principals(sandbox: Sandbox) -> list[Any]:
    from kmsworkbench.sandbox.directory import list_principals

    return list_principals(sandbox)


# -------------------------------------------------------------------------- add-account


def _add_account_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "other")
    account = str(p["id"])
    sh.run(
        f"kmsworkbench sandbox accounts add {shlex.quote(account)} {_DATA_DIR} >/dev/null 2>&1 || true"
    )
    sh.run(f"{var(f'{save}.id')}={shlex.quote(account)}")


@action(
    "add-account",
    "Another AWS account in the lesson sandbox (its root can then be given access)",
    shell=_add_account_shell,
    required=("id",),
    save="other",
    outputs=("id",),
)
def add_account(ctx: StepContext, p: Params) -> None:
    from kmsworkbench.sandbox.directory import DirectoryError, add_account

    account = str(ctx.param(p, "id"))
    with _sandbox(ctx) as sandbox:
        try:
            add_account(sandbox, account)
        except DirectoryError as exc:
            if "already" not in str(exc):
                raise _directory_error(exc) from None
        own = sandbox.account_id
    ctx.save(p, "other", id=account, own=own)
    ctx.local("another account", f"account {account} (the keys live in account {own})")


# ------------------------------------------------------------------------ put-key-policy


def _put_policy_shell(sh: Shell, p: Params) -> None:
    sh.run(
        f"KEY_ACCOUNT=$(kms describe-key --key-id {sh.arg(p['key'])} "
        "--query KeyMetadata.AWSAccountId --output text)"
    )
    sh.run(f'printf %s {sh.json(p["policy"])} > "$WORK/key-policy.json"')
    sh.kms(
        [
            "put-key-policy",
            "--key-id",
            sh.arg(p["key"]),
            "--policy-name",
            "default",
            "--policy",
            '"file://$WORK/key-policy.json"',
        ]
    )


@action(
    "put-key-policy",
    "PutKeyPolicy: the key policy decides who may use the key ($account is this account)",
    shell=_put_policy_shell,
    required=("key", "policy"),
)
def put_key_policy(ctx: StepContext, p: Params) -> None:
    key = ctx.param(p, "key")
    text = _policy_text(_substitute(ctx, p["policy"]))
    ctx.call("PutKeyPolicy", KeyId=key, PolicyName="default", Policy=text)
    ctx.note("The key policy now reads:\n" + text)


# -------------------------------------------------------------------------- create-grant


def _grant_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "grant")
    words = [
        "create-grant",
        "--key-id",
        sh.arg(p["key"]),
        "--grantee-principal",
        sh.arg(p["grantee"]),
        "--operations",
        *(shlex.quote(str(o)) for o in p["operations"]),
    ]
    sh.kms(words, capture=[var(f"{save}.token"), var(f"{save}.id")], query="[GrantToken,GrantId]")


@action(
    "create-grant",
    "CreateGrant: let a principal use the key for some operations, without a policy change",
    shell=_grant_shell,
    required=("key", "grantee", "operations"),
    save="grant",
    outputs=("token", "id"),
)
def create_grant(ctx: StepContext, p: Params) -> None:
    resp = ctx.call(
        "CreateGrant",
        KeyId=ctx.param(p, "key"),
        GranteePrincipal=ctx.param(p, "grantee"),
        Operations=list(ctx.param(p, "operations")),
    )
    ctx.save(p, "grant", token=resp["GrantToken"], id=resp["GrantId"])
    ctx.note(
        "A new grant is eventually consistent: for a little while a call that relies on it may "
        "be refused, unless it presents the grant token (GrantTokens), which works at once."
    )


# -------------------------------------------------------------------------- grant delay


def _delay_shell(sh: Shell, p: Params) -> None:
    sh.run(
        f"kmsworkbench sandbox access grant-delay {shlex.quote(str(p['seconds']))} "
        f"{_DATA_DIR} >/dev/null"
    )


@action(
    "set-grant-delay",
    "How long a new grant takes to be in effect on the lesson sandbox (sandbox setting)",
    shell=_delay_shell,
    required=("seconds",),
)
def set_grant_delay(ctx: StepContext, p: Params) -> None:
    from kmsworkbench.sandbox.directory import DirectoryError, set_setting

    with _sandbox(ctx) as sandbox:
        try:
            set_setting(sandbox, "grant_delay_seconds", float(ctx.param(p, "seconds")))
        except DirectoryError as exc:
            raise _directory_error(exc) from None
    ctx.local(
        "sandbox setting",
        f"new grants take effect {p['seconds']} s after they are made (AWS: usually within "
        "seconds, at most about five minutes)",
    )


# ---------------------------------------------------------------------------- show-trail


def _trail_shell(sh: Shell, p: Params) -> None:
    sh.run(
        f"kmsworkbench sandbox trail --key {sh.arg(p['key'])} --max-items "
        f"{int(p.get('last') or 5)} {_DATA_DIR} --output text "
        "--query 'Events[].[Time,Event,Principal,Error]' || true"
    )


@action(
    "show-trail",
    "The last CloudTrail events for the key: who called what, allowed or refused",
    shell=_trail_shell,
    required=("key",),
    optional=("last",),
)
def show_trail(ctx: StepContext, p: Params) -> None:
    from kmsworkbench.sandbox.directory import trail_events
    from kmsworkbench.sandbox.iam_store import TrailQuery

    key = str(ctx.param(p, "key"))
    arn = ctx.call("DescribeKey", KeyId=key)["KeyMetadata"]["Arn"]
    with _sandbox(ctx) as sandbox:
        events = trail_events(sandbox, TrailQuery(key_arn=arn), int(p.get("last") or 5))
    lines = []
    for _seq, _epoch, record in events:
        who = record.get("userIdentity", {})
        outcome = record.get("errorCode") or "allowed"
        context = (record.get("requestParameters") or {}).get("encryptionContext")
        lines.append(
            f"{record.get('eventTime')}  {record.get('eventName'):<38} "
            f"{who.get('arn')}  {outcome}" + (f"  context {context}" if context else "")
        )
    ctx.local(
        "CloudTrail events for the key (newest first)",
        "\n".join(lines) or "none yet",
        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=ResourceName,"
        "AttributeValue=KEY_ARN",
    )
