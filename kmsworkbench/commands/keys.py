"""``kmsworkbench keys``: the KMS keys that can wrap a data key pair (``--all``: every key,
with the reason the others cannot)."""

from __future__ import annotations

import argparse
from typing import Any

from kmsworkbench.commands._output import emit, guarded


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "keys",
        parents=parents,
        help="list the KMS keys that can wrap a data key pair",
        description="List KMS keys (ListKeys, ListAliases, DescribeKey). By default only the "
        "symmetric encryption keys that can wrap a data key pair; --all lists every key with "
        "the reason it cannot.",
    )
    p.add_argument("--all", action="store_true", help="include keys that cannot wrap a pair")
    p.add_argument("--max-workers", type=int, default=8, help="concurrent DescribeKey calls")
    p.set_defaults(func=run)


def key_row(info: Any) -> dict[str, Any]:
    meta = info.metadata or {}
    return {
        "KeyId": info.key_id,
        "KeyArn": info.arn,
        "Aliases": list(info.aliases),
        "Description": info.description,
        "KeySpec": info.key_spec,
        "KeyUsage": info.key_usage,
        "KeyState": info.key_state,
        "KeyManager": info.key_manager,
        "Origin": info.origin,
        "CreationDate": meta.get("CreationDate"),
        "Eligible": bool(info.eligible),
        "IneligibleReason": info.ineligible_reason,
    }


@guarded
def run(args: argparse.Namespace) -> int:
    from kmsworkbench.service import Backend, KmsSession

    with KmsSession(Backend.from_args(args)) as session:
        keys = session.list_keys_described(max_workers=max(1, args.max_workers))
    rows = [key_row(k) for k in keys if args.all or k.eligible]
    emit({"Keys": rows}, args, "Keys")
    return 0
