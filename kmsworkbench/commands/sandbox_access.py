"""``kmsworkbench sandbox principals | accounts | trail | policy | access``: who may do what.

    kmsworkbench sandbox principals add producer --role
    kmsworkbench sandbox principals attach producer producer.json
    kmsworkbench sandbox principals list
    kmsworkbench sandbox accounts add
    kmsworkbench sandbox trail --key alias/workbench-demo --errors --output json
    kmsworkbench sandbox policy alias/workbench-demo          # each statement explained
    kmsworkbench sandbox policy alias/workbench-demo --can producer --do Decrypt \\
        --encryption-context app=wb                           # who can do what
    kmsworkbench sandbox access grant-delay 0                 # settings

Principals are IAM users and roles of a sandbox account with their own access keys; the
folder's own credentials stay its account root. ``--as NAME`` on any command acts as one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kmsworkbench.cli import EXIT_OK, EXIT_OTHER, EXIT_USAGE


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "principals",
        parents=parents,
        help="IAM users and roles of the sandbox with their own access keys",
        description="IAM users and roles of a sandbox account, each with its own access keys, "
        "and their identity policies. Act as one with --as NAME.",
    )
    ps = p.add_subparsers(dest="principals_command", metavar="ACTION")
    add = ps.add_parser("add", parents=parents, help="add an IAM user (or --role)")
    add.add_argument("name")
    add.add_argument("--role", action="store_true", help="an IAM role instead of a user")
    add.add_argument("--account", help="the account (default: the folder's own)")
    add.set_defaults(func=run_principals_add)
    ls = ps.add_parser("list", parents=parents, help="list principals and their policies")
    ls.set_defaults(func=run_principals_list)
    rm = ps.add_parser("remove", parents=parents, help="remove a principal and its policies")
    rm.add_argument("name", help="NAME or ACCOUNT/NAME")
    rm.set_defaults(func=run_principals_remove)
    at = ps.add_parser("attach", parents=parents, help="attach an identity policy (JSON file)")
    at.add_argument("name", help="NAME or ACCOUNT/NAME")
    at.add_argument("policy", help="the policy document: a file, or - for standard input")
    at.add_argument("--policy-name", help="its name (default: the file's name)")
    at.set_defaults(func=run_principals_attach)
    de = ps.add_parser("detach", parents=parents, help="detach an identity policy")
    de.add_argument("name", help="NAME or ACCOUNT/NAME")
    de.add_argument("policy_name")
    de.set_defaults(func=run_principals_detach)
    sh = ps.add_parser("show", parents=parents, help="show a principal's identity policies")
    sh.add_argument("name", help="NAME or ACCOUNT/NAME")
    sh.set_defaults(func=run_principals_show)
    p.set_defaults(func=run_principals_list)

    a = sub.add_parser(
        "accounts",
        parents=parents,
        help="other sandbox accounts in this folder (cross-account use)",
        description="More sandbox accounts in one folder. Keys live in the folder's account; "
        "another account uses them by key ARN or alias ARN where their key policy allows it.",
    )
    acts = a.add_subparsers(dest="accounts_command", metavar="ACTION")
    aadd = acts.add_parser("add", parents=parents, help="add an account (its root credentials)")
    aadd.add_argument("account_id", nargs="?", help="12 digits (default: a random one)")
    aadd.set_defaults(func=run_accounts_add)
    alist = acts.add_parser("list", parents=parents, help="list the folder's accounts")
    alist.set_defaults(func=run_accounts_list)
    a.set_defaults(func=run_accounts_list)

    t = sub.add_parser(
        "trail",
        parents=parents,
        help="the CloudTrail-shaped record of every call (LookupEvents shape with --output json)",
        description="Every call, allowed or refused, newest first.",
    )
    t.add_argument("--operation", help="only this operation (event name), e.g. Decrypt")
    t.add_argument("--key", help="only calls on this key (key id, key ARN or alias)")
    t.add_argument("--principal", help="only calls by this principal (NAME or an ARN)")
    t.add_argument("--since", help="only events at or after this time (ISO 8601)")
    t.add_argument("--until", help="only events at or before this time (ISO 8601)")
    t.add_argument("--errors", action="store_true", help="only refused or failed calls")
    t.add_argument("--max-items", type=int, default=50, help="at most this many (default 50)")
    t.set_defaults(func=run_trail)

    pol = sub.add_parser(
        "policy",
        parents=parents,
        help="a key's policy explained; --can PRINCIPAL --do ACTION: who can do what",
        description="Show a key's key policy with each statement in plain words, or decide "
        "whether a principal may perform an action on it (and what decides).",
    )
    pol.add_argument("key", help="key id, key ARN or alias name")
    pol.add_argument("--can", metavar="PRINCIPAL", help="NAME, ACCOUNT/NAME, an account or root")
    pol.add_argument("--do", metavar="ACTION", help="e.g. Decrypt or kms:Decrypt")
    pol.add_argument("--encryption-context", help="k=v,k2=v2 or JSON for the decision")
    pol.add_argument("--key-pair-spec", help="KeyPairSpec for the data key pair actions")
    pol.set_defaults(func=run_policy)

    s = sub.add_parser(
        "access",
        parents=parents,
        help="access settings: grant delay, trail retention",
        description="Show or set: grant-delay SECONDS (how long a new grant takes to be in "
        "effect without its token), retention DAYS and max-events N (what the trail keeps).",
    )
    s.add_argument("setting", nargs="?", choices=("grant-delay", "retention", "max-events"))
    s.add_argument("value", nargs="?", type=float)
    s.set_defaults(func=run_access)


# --- plumbing -------------------------------------------------------------------------------


def _fail(what: str, exc: BaseException, code: int = EXIT_USAGE) -> int:
    sys.stderr.write(f"kmsworkbench sandbox {what}: error: {exc}\n")
    return code


def _run(what: str, args: argparse.Namespace, action: Any) -> int:
    from kmsworkbench.commands._output import emit
    from kmsworkbench.commands.sandbox import _open
    from kmsworkbench.sandbox.directory import DirectoryError

    try:
        sandbox = _open(args)
    except Exception as exc:
        return _fail(what, f"cannot open the sandbox: {exc}", EXIT_OTHER)
    try:
        result = action(sandbox)
    except (DirectoryError, ValueError, OSError) as exc:
        return _fail(what, exc)
    finally:
        sandbox.close()
    if result is not None:
        emit(result, args, what)
    return EXIT_OK


def _principal_entry(p: Any) -> dict[str, Any]:
    return {
        "Name": p.name,
        "Type": "Role" if p.kind == "role" else "User",
        "Account": p.account_id,
        "Arn": p.arn,
        "AccessKeyId": p.access_key_id,
        "Policies": list(p.policies),
    }


# --- principals and accounts ----------------------------------------------------------------


def run_principals_add(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    def act(sb: Any) -> dict[str, Any]:
        p = directory.add_principal(sb, args.name, role=args.role, account=args.account)
        return {"Principal": _principal_entry(p)}

    return _run("principals add", args, act)


def run_principals_list(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    def act(sb: Any) -> dict[str, Any]:
        return {"Principals": [_principal_entry(p) for p in directory.list_principals(sb)]}

    return _run("principals list", args, act)


def run_principals_remove(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    return _run(
        "principals remove",
        args,
        lambda sb: {"Removed": _principal_entry(directory.remove_principal(sb, args.name))},
    )


def _read_policy(source: str) -> tuple[str, str]:
    if source == "-":
        return sys.stdin.read(), "policy"
    path = Path(source.removeprefix("file://")).expanduser()
    return path.read_text(encoding="utf-8"), path.stem


def run_principals_attach(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    def act(sb: Any) -> dict[str, Any]:
        text, stem = _read_policy(args.policy)
        name = directory.attach_policy(sb, args.name, text, args.policy_name or stem)
        return {"Principal": args.name, "PolicyName": name}

    return _run("principals attach", args, act)


def run_principals_detach(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    def act(sb: Any) -> dict[str, Any]:
        directory.detach_policy(sb, args.name, args.policy_name)
        return {"Principal": args.name, "Detached": args.policy_name}

    return _run("principals detach", args, act)


def run_principals_show(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    def act(sb: Any) -> dict[str, Any]:
        return {
            "Principal": args.name,
            "Policies": [
                {"PolicyName": n, "Document": json.loads(d)}
                for n, d in directory.policies_of(sb, args.name)
            ],
        }

    return _run("principals show", args, act)


def run_accounts_add(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    def act(sb: Any) -> dict[str, Any]:
        row = directory.add_account(sb, args.account_id)
        return {"Account": {"AccountId": row.account_id, "AccessKeyId": row.access_key_id}}

    return _run("accounts add", args, act)


def run_accounts_list(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    return _run(
        "accounts list",
        args,
        lambda sb: {
            "Accounts": [{"AccountId": a, "Role": r} for a, r in directory.list_accounts(sb)]
        },
    )


def run_access(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory

    names = {
        "grant-delay": "grant_delay_seconds",
        "retention": "trail_retention_days",
        "max-events": "trail_max_events",
    }

    def act(sb: Any) -> dict[str, Any]:
        if args.setting is not None:
            if args.value is None:
                raise ValueError(f"give a value: sandbox access {args.setting} NUMBER")
            directory.set_setting(sb, names[args.setting], args.value)
        s = directory.settings(sb)
        return {
            "GrantDelaySeconds": s["grant_delay_seconds"],
            "TrailRetentionDays": s["trail_retention_days"],
            "TrailMaxEvents": int(s["trail_max_events"]),
        }

    return _run("access", args, act)


# --- the trail ------------------------------------------------------------------------------


def _time(text: str | None) -> float | None:
    from kmsworkbench.sandbox.access.conditions import parse_date

    if text is None:
        return None
    value = parse_date(text)
    if value is None:
        raise ValueError(f"not a time: {text!r} (ISO 8601, e.g. 2026-01-31T12:00:00Z)")
    return value


def _key_arn(sb: Any, ref: str) -> str:
    """The ARN of the key ``ref`` names (read from the store; no call is recorded)."""
    from kmsworkbench.sandbox import whocan

    return whocan.key_arn(sb, ref)


def _principal_filter(sb: Any, ref: str | None) -> str | None:
    if ref is None or ref.startswith("arn:"):
        return ref
    if ref == "root":
        return f":{sb.account_id}:root"
    return f"/{ref.rsplit('/', 1)[-1]}"  # user/NAME, role/NAME or assumed-role/NAME/...


def _who(event: dict[str, Any]) -> str:
    ui = event.get("userIdentity") or {}
    if ui.get("type") == "AssumedRole":
        issuer = (ui.get("sessionContext") or {}).get("sessionIssuer") or {}
        return f"role/{issuer.get('userName', '?')}"
    if ui.get("type") == "IAMUser":
        return f"user/{ui.get('userName', '?')}"
    return f"root ({ui.get('accountId', '?')})"


def run_trail(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import directory, iam_store, trail

    def act(sb: Any) -> dict[str, Any]:
        if not 1 <= args.max_items <= 10_000:
            raise ValueError("--max-items must be 1..10000")
        query = iam_store.TrailQuery(
            event_name=args.operation,
            key_arn=_key_arn(sb, args.key) if args.key else None,
            principal=_principal_filter(sb, args.principal),
            start=_time(args.since),
            end=_time(args.until),
            errors_only=args.errors,
        )
        rows = directory.trail_events(sb, query, args.max_items)
        if (getattr(args, "output", None) or "json") == "json":
            return trail.lookup_page(rows, args.max_items)
        return {
            "Events": [
                {
                    "Time": e["eventTime"],
                    "Event": e["eventName"],
                    "Principal": _who(e),
                    "Key": ((e.get("resources") or [{}])[0]).get("ARN", "-").rsplit("/", 1)[-1],
                    "Error": e.get("errorCode", ""),
                    "EventId": e["eventID"],
                }
                for _, _, e in rows
            ]
        }

    return _run("trail", args, act)


# --- policy and who-can-do-what -------------------------------------------------------------


def parse_context(text: str | None) -> dict[str, str] | None:
    from kmsworkbench.service.access import parse_context as parse

    return parse(text)


def run_policy(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import whocan

    def act(sb: Any) -> dict[str, Any]:
        if args.can is None:
            return whocan.explain_key_policy(sb, args.key)
        if not args.do:
            raise ValueError("--can needs --do ACTION (e.g. --do Decrypt)")
        params: dict[str, Any] = {}
        ec = parse_context(args.encryption_context)
        if ec:
            params["EncryptionContext"] = ec
        if args.key_pair_spec:
            params["KeyPairSpec"] = args.key_pair_spec
        return whocan.decide(sb, args.key, args.can, args.do.removeprefix("kms:"), params)

    return _run("policy", args, act)
