"""``kmsworkbench keys``: the KMS keys that can wrap a data key pair (``--all``: every key,
with the reason the others cannot).

``--output table`` fits the terminal, as the AWS CLI's tables do: the columns that matter most
first (alias, key ID, state, spec, usage, ...), as many as the width holds, long text cut with
"…"; a note on stderr names the columns left out. ``--output json`` (or ``--query``) gives the
full record."""

from __future__ import annotations

import argparse
import shutil
from typing import Any

from kmsworkbench.commands._output import emit, guarded, note

# (field, header, narrowest useful width) in the order a person needs them; None: whole.
TABLE_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("Aliases", "Alias", 24),
    ("KeyId", "KeyId", None),
    ("KeyState", "State", None),
    ("KeySpec", "KeySpec", None),
    ("KeyUsage", "KeyUsage", None),
    ("Eligible", "Wraps pairs", None),
    ("IneligibleReason", "Why not", 16),
    ("Description", "Description", 16),
    ("KeyManager", "Manager", None),
    ("Origin", "Origin", None),
    ("CreationDate", "Created", 10),
    ("KeyArn", "KeyArn", None),
)


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
    if args.output == "table" and not args.query and rows:
        width = shutil.get_terminal_size((80, 24)).columns
        shown, left_out = fit_table(rows, width)
        emit({"Keys": shown}, args, "Keys")
        if left_out:
            note(
                f"Not shown at {width} columns: {', '.join(left_out)} "
                "(--output json, or --query, gives every field)."
            )
        return 0
    emit({"Keys": rows}, args, "Keys")
    return 0


def _cell_text(field: str, value: Any) -> str:
    if field == "Aliases":
        aliases = list(value or [])
        if not aliases:
            return ""
        return aliases[0] + (f" (+{len(aliases) - 1})" if len(aliases) > 1 else "")
    if field == "Eligible":
        return "yes" if value else "no"
    if field == "CreationDate" and value:
        return str(value)[:19].replace("T", " ")
    return "" if value is None else str(value)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def fit_table(rows: list[dict[str, Any]], width: int) -> tuple[list[dict[str, str]], list[str]]:
    """The rows with the columns that fit ``width`` (borders included), most needed first;
    and the headers of the columns left out."""
    cells = {f: [_cell_text(f, r.get(f)) for r in rows] for f, _, _ in TABLE_COLUMNS}
    used = 1  # the left border; each column adds " cell |"
    chosen: list[tuple[str, str, int]] = []
    natural: dict[str, int] = {}
    left_out: list[str] = []
    for field, header, narrowest in TABLE_COLUMNS:
        if field == "IneligibleReason" and all(not c for c in cells[field]):
            continue  # every key wraps pairs: nothing to explain
        natural[field] = max(len(header), *(len(c) for c in cells[field]))
        need = natural[field]
        if narrowest is not None:
            need = min(need, max(narrowest, len(header)))
        if used + need + 3 <= width:
            chosen.append((field, header, need))
            used += need + 3
        else:
            left_out.append(header)
    # What is left of the width goes to the columns that were cut, most needed first.
    for index, (field, header, take) in enumerate(chosen):
        grow = min(natural[field] - take, width - used)
        if grow > 0:
            chosen[index] = (field, header, take + grow)
            used += grow
    shown = [
        {header: _cut(cells[field][i], take) for field, header, take in chosen}
        for i in range(len(rows))
    ]
    return shown, left_out
