"""The access tables of the sandbox store: accounts, principals, identity policies and the
trail (key policies are ``core.policy``'s). Every function runs inside the caller's
``Store.transaction``.

The tables come with schema step 3 (``migrations.py``); nothing existing changes, so a
folder written before them gains them on first open and its own credentials in ``meta``
stay the account root.

Settings in ``meta``: ``grant_delay_seconds`` (how long a new grant takes to be in effect
without its token), ``trail_retention_days`` and ``trail_max_events`` (what the trail keeps).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
from dataclasses import dataclass
from typing import Any

from kmsworkbench.sandbox.store import Store

DEFAULT_GRANT_DELAY = 3.0  # seconds; AWS: "typically within five minutes" (eventual consistency)
DEFAULT_RETENTION_DAYS = 90.0  # CloudTrail's event history keeps 90 days
DEFAULT_MAX_EVENTS = 100_000
_B32 = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def new_access_key_id(prefix: str = "AKIA") -> str:
    return prefix + "".join(secrets.choice(_B32) for _ in range(16))


def new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


@dataclass(frozen=True, slots=True)
class PrincipalRow:
    account_id: str
    name: str
    kind: str  # "user" / "role"
    principal_id: str
    access_key_id: str
    secret: str
    created: float

    def __repr__(self) -> str:  # no secret in reprs
        return f"PrincipalRow({self.account_id}, {self.kind} {self.name})"


@dataclass(frozen=True, slots=True)
class AccountRow:
    account_id: str
    access_key_id: str
    secret: str
    created: float

    def __repr__(self) -> str:
        return f"AccountRow({self.account_id})"


# --- settings ---------------------------------------------------------------------------------


def _float_meta(store: Store, name: str, default: float) -> float:
    raw = store.get_meta(name)
    try:
        return float(raw) if raw is not None else default
    except ValueError:
        return default


def grant_delay(store: Store) -> float:
    return _float_meta(store, "grant_delay_seconds", DEFAULT_GRANT_DELAY)


def retention_days(store: Store) -> float:
    return _float_meta(store, "trail_retention_days", DEFAULT_RETENTION_DAYS)


def max_events(store: Store) -> int:
    return int(_float_meta(store, "trail_max_events", DEFAULT_MAX_EVENTS))


# --- accounts and principals ----------------------------------------------------------------


def add_account(store: Store, account_id: str, now: float) -> AccountRow:
    row = AccountRow(account_id, new_access_key_id(), new_secret(), now)
    store.conn.execute(
        "INSERT INTO accounts (account_id, access_key_id, secret, created) VALUES (?, ?, ?, ?)",
        (row.account_id, row.access_key_id, row.secret, row.created),
    )
    return row


def list_accounts(store: Store) -> list[AccountRow]:
    rows = store.conn.execute(
        "SELECT account_id, access_key_id, secret, created FROM accounts ORDER BY created"
    ).fetchall()
    return [AccountRow(*r) for r in rows]


def account_by_key(store: Store, access_key_id: str) -> AccountRow | None:
    row = store.conn.execute(
        "SELECT account_id, access_key_id, secret, created FROM accounts WHERE access_key_id = ?",
        (access_key_id,),
    ).fetchone()
    return AccountRow(*row) if row else None


def add_principal(store: Store, account_id: str, name: str, kind: str, now: float) -> PrincipalRow:
    prefix = "AIDA" if kind == "user" else "AROA"
    row = PrincipalRow(
        account_id, name, kind, new_access_key_id(prefix), new_access_key_id(), new_secret(), now
    )
    try:
        store.conn.execute(
            "INSERT INTO principals (account_id, name, kind, principal_id, access_key_id, "
            "secret, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.account_id, name, kind, row.principal_id, row.access_key_id, row.secret, now),
        )
    except sqlite3.IntegrityError as exc:
        raise ValueError(f"account {account_id} already has a principal named {name!r}") from exc
    return row


def _principal(row: tuple[Any, ...] | None) -> PrincipalRow | None:
    return PrincipalRow(*row) if row else None


_P_COLUMNS = "account_id, name, kind, principal_id, access_key_id, secret, created"


def get_principal(store: Store, account_id: str, name: str) -> PrincipalRow | None:
    return _principal(
        store.conn.execute(
            f"SELECT {_P_COLUMNS} FROM principals WHERE account_id = ? AND name = ?",
            (account_id, name),
        ).fetchone()
    )


def principal_by_key(store: Store, access_key_id: str) -> PrincipalRow | None:
    return _principal(
        store.conn.execute(
            f"SELECT {_P_COLUMNS} FROM principals WHERE access_key_id = ?", (access_key_id,)
        ).fetchone()
    )


def find_principal(store: Store, name: str) -> list[PrincipalRow]:
    """Principals named ``name`` in any account of the folder."""
    rows = store.conn.execute(
        f"SELECT {_P_COLUMNS} FROM principals WHERE name = ? ORDER BY created", (name,)
    ).fetchall()
    return [PrincipalRow(*r) for r in rows]


def list_principals(store: Store) -> list[PrincipalRow]:
    rows = store.conn.execute(
        f"SELECT {_P_COLUMNS} FROM principals ORDER BY account_id, name"
    ).fetchall()
    return [PrincipalRow(*r) for r in rows]


def remove_principal(store: Store, account_id: str, name: str) -> bool:
    cur = store.conn.execute(
        "DELETE FROM principals WHERE account_id = ? AND name = ?", (account_id, name)
    )
    store.conn.execute(
        "DELETE FROM identity_policies WHERE account_id = ? AND principal = ?", (account_id, name)
    )
    return cur.rowcount > 0


def put_identity_policy(
    store: Store, account_id: str, principal: str, name: str, document: str
) -> None:
    store.conn.execute(
        "INSERT INTO identity_policies (account_id, principal, name, document) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (account_id, principal, name) "
        "DO UPDATE SET document = excluded.document",
        (account_id, principal, name, document),
    )


def delete_identity_policy(store: Store, account_id: str, principal: str, name: str) -> bool:
    cur = store.conn.execute(
        "DELETE FROM identity_policies WHERE account_id = ? AND principal = ? AND name = ?",
        (account_id, principal, name),
    )
    return cur.rowcount > 0


def identity_policies(store: Store, account_id: str, principal: str) -> list[tuple[str, str]]:
    rows = store.conn.execute(
        "SELECT name, document FROM identity_policies WHERE account_id = ? AND principal = ? "
        "ORDER BY name",
        (account_id, principal),
    ).fetchall()
    return [(str(n), str(d)) for n, d in rows]


# --- the trail ------------------------------------------------------------------------------


def _event_row(event: dict[str, Any], record: str, now: float) -> tuple[object, ...]:
    resources = event.get("resources") or []
    return (
        now,
        event["eventID"],
        event["eventName"],
        event["awsRegion"],
        resources[0]["ARN"] if resources else None,
        event["userIdentity"]["arn"],
        event["userIdentity"].get("accessKeyId", ""),
        event.get("errorCode"),
        1 if event.get("readOnly") else 0,
        record,
    )


def append_events(store: Store, items: list[tuple[dict[str, Any], str, float]]) -> None:
    """Add events (event, its JSON, time) in order, then drop what the trail no longer
    keeps (older than the retention, beyond the most events kept)."""
    if not items:
        return
    store.conn.executemany(
        "INSERT INTO trail (time, event_id, event_name, region, key_arn, principal, access_key, "
        "error_code, read_only, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_event_row(event, record, now) for event, record, now in items],
    )
    now = max(now for _, _, now in items)
    cutoff = now - retention_days(store) * 86_400.0
    store.conn.execute("DELETE FROM trail WHERE time < ?", (cutoff,))
    limit = max_events(store)
    store.conn.execute(
        "DELETE FROM trail WHERE seq <= (SELECT MAX(seq) FROM trail) - ?", (max(limit, 1),)
    )


def append_event(store: Store, event: dict[str, Any], now: float) -> None:
    append_events(store, [(event, json.dumps(event, separators=(",", ":")), now)])


@dataclass(frozen=True, slots=True)
class TrailQuery:
    event_name: str | None = None
    key_arn: str | None = None
    principal: str | None = None  # an ARN, or a substring of one
    start: float | None = None
    end: float | None = None
    errors_only: bool = False
    event_id: str | None = None
    read_only: bool | None = None
    access_key: str | None = None
    before_seq: int | None = None


def query_events(
    store: Store, q: TrailQuery, limit: int
) -> list[tuple[int, float, dict[str, Any]]]:
    """Matching events, newest first: (sequence number, epoch, record)."""
    where, args = [], []
    for column, value in (
        ("event_name", q.event_name),
        ("key_arn", q.key_arn),
        ("event_id", q.event_id),
        ("access_key", q.access_key),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if q.principal is not None:
        where.append("instr(principal, ?) > 0")
        args.append(q.principal)
    if q.start is not None:
        where.append("time >= ?")
        args.append(q.start)
    if q.end is not None:
        where.append("time <= ?")
        args.append(q.end)
    if q.errors_only:
        where.append("error_code IS NOT NULL")
    if q.read_only is not None:
        where.append("read_only = ?")
        args.append(1 if q.read_only else 0)
    if q.before_seq is not None:
        where.append("seq < ?")
        args.append(q.before_seq)
    sql = "SELECT seq, time, record FROM trail"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq DESC LIMIT ?"
    rows = store.conn.execute(sql, (*args, limit)).fetchall()
    return [(int(s), float(t), json.loads(rec)) for s, t, rec in rows]


def last_crypto_event(store: Store, key_arn: str, names: frozenset[str]) -> dict[str, Any] | None:
    marks = ",".join("?" for _ in names)
    row = store.conn.execute(
        f"SELECT record FROM trail WHERE key_arn = ? AND error_code IS NULL AND event_name IN "
        f"({marks}) ORDER BY seq DESC LIMIT 1",
        (key_arn, *sorted(names)),
    ).fetchone()
    return None if row is None else json.loads(row[0])
