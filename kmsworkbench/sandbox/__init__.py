"""The embedded sandbox KMS: persistent, faithful to AWS KMS, reached through boto3.

``Sandbox.open(data_dir, region=None)`` opens (creating and seeding on first use) the store in
``data_dir``; ``Sandbox.handle(target, body)`` answers one KMS JSON 1.1 request. The rest of
the project reaches it only through a boto3 client: in-process with
:func:`kmsworkbench.sandbox.inprocess.make_client`, or over HTTP with
``kmsworkbench.sandbox.server``.

Modules: ``store`` (SQLite), ``blob`` (ciphertext format), ``errors`` (codes and messages),
``validation`` (constraints from botocore's model), ``core`` (what every operation shares:
request context, key resolution and authorization, checks, transactions, the clock),
``operations`` (one module per API area), ``engine`` (the dispatcher), ``protocol`` (JSON in
and out), ``seed`` (a fresh folder's keys), ``inprocess`` (botocore hook).
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kmsworkbench.sandbox import enforce, protocol
from kmsworkbench.sandbox.core.clock import SandboxClock
from kmsworkbench.sandbox.core.context import REGION_RE, partition_of
from kmsworkbench.sandbox.engine import Engine
from kmsworkbench.sandbox.store import Store, StoreError

__all__ = ["DEFAULT_REGION", "Sandbox"]

DEFAULT_REGION = "us-east-1"
_B32 = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _new_account_id() -> str:
    return str(secrets.randbelow(9 * 10**11) + 10**11)  # 12 digits, no leading zero


def _new_access_key_id() -> str:
    return "AKIA" + "".join(secrets.choice(_B32) for _ in range(16))


def _new_secret_access_key() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def check_region(region: str) -> str:
    if not isinstance(region, str) or not REGION_RE.match(region):
        raise ValueError(f"not an AWS Region name: {region!r} (e.g. us-east-1, cn-north-1)")
    return region


@dataclass(frozen=True)
class Prepared:
    """What :meth:`Sandbox.prepare_call` read for one signed request."""

    access_key_id: str
    secret: str | None = field(repr=False)
    caller: enforce.Caller | None
    now: float


class Sandbox:
    """One data folder's sandbox KMS. Thread-safe; share one per process and folder."""

    data_dir: Path
    region: str
    account_id: str
    partition: str
    access_key_id: str
    secret_access_key: str

    def __init__(self, store: Store, region: str, clock: Callable[[], float]) -> None:
        self.store = store
        self.data_dir = store.data_dir
        self.region = region
        self.partition = partition_of(region)
        with store.transaction(write=True):
            self.account_id = store.insert_meta_if_absent("account_id", _new_account_id())
            self.access_key_id = store.insert_meta_if_absent("access_key_id", _new_access_key_id())
            self.secret_access_key = store.insert_meta_if_absent(
                "secret_access_key", _new_secret_access_key()
            )
        self.engine = Engine(store, self.account_id, clock)
        self._seeded: set[str] = set()
        self._seed_lock = threading.Lock()
        self.ensure_region(region)

    @property
    def clock(self) -> SandboxClock:
        """The sandbox clock (real time plus the folder's offset; ``sandbox clock``)."""
        return self.engine.clock

    def __repr__(self) -> str:  # no secret in reprs
        return f"Sandbox({str(self.data_dir)!r}, region={self.region!r})"

    @classmethod
    def open(
        cls,
        data_dir: str | Path,
        region: str | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> Sandbox:
        """Open the sandbox in ``data_dir`` (created 0700, store 0600, seeded on first use).
        ``region`` overrides the folder's default Region for this Sandbox; the first open
        of a folder records its default (``region`` or us-east-1). ``clock`` returns epoch
        seconds (tests move time forward with it)."""
        if region is not None:
            check_region(region)
        store = Store(data_dir)
        try:
            with store.transaction(write=True):
                default = store.insert_meta_if_absent("default_region", region or DEFAULT_REGION)
            return cls(store, region or default, clock or time.time)
        except BaseException:
            store.close()
            raise

    @property
    def default_region(self) -> str:
        with self.store.transaction():
            return self.store.get_meta("default_region") or DEFAULT_REGION

    def ensure_region(self, region: str) -> None:
        """Seed ``region`` if this data folder has never used it."""
        if region in self._seeded:
            return
        with self._seed_lock:
            if region not in self._seeded:
                self.engine.seed_region(region)
                self._seeded.add(region)

    def secret_for(self, access_key_id: str) -> str | None:
        """The secret of any credential of this folder (account roots and principals)."""
        with self.store.transaction():
            return enforce.secret_for(self.store, access_key_id)

    def prepare_call(self, access_key_id: str) -> Prepared:
        """For a server checking a signature: the secret of ``access_key_id`` and, in the
        same read transaction, who that is and the sandbox clock's time, which
        :meth:`handle` then takes as ``prepared`` instead of reading them again.

        What was read is kept by the store (``Store.kept``) and given again without a
        transaction while no connection has committed since: a served call so reads one
        statement here, not three. A changed secret, a deleted principal, a new identity
        policy or a moved clock are commits, and are read at the next call."""
        secret, who, offset = self.store.kept(
            ("prepare_call", access_key_id), lambda: self._signer(access_key_id)
        )
        if secret is None:
            return Prepared(access_key_id, None, None, 0.0)
        return Prepared(access_key_id, secret, who, self.engine.clock.base() + offset)

    def _signer(self, access_key_id: str) -> tuple[str | None, enforce.Caller | None, float]:
        """(secret, caller, clock offset) of ``access_key_id``, inside a transaction; the
        caller and offset are not read for a key that has no secret."""
        secret = enforce.secret_for(self.store, access_key_id)
        if secret is None:
            return None, None, 0.0
        who = enforce.identify(self.store, self.account_id, self.partition, access_key_id)
        return secret, who, self.engine.clock.offset()

    def credentials_of(self, ref: str) -> tuple[str, str]:
        """(access key id, secret) of "root", an account id, NAME or ACCOUNT/NAME."""
        from kmsworkbench.sandbox.directory import credentials_of

        return credentials_of(self, ref)

    def caller(self, access_key_id: str | None = None) -> enforce.Caller:
        """Who ``access_key_id`` is (the folder account's root when None)."""
        with self.store.transaction():
            return enforce.identify(self.store, self.account_id, self.partition, access_key_id)

    def handle(
        self,
        target: str,
        body: bytes,
        region: str | None = None,
        *,
        access_key_id: str | None = None,
        source_ip: str = "127.0.0.1",
        user_agent: str = "",
        secure: bool | None = None,
        prepared: Prepared | None = None,
        record_sink: list[Any] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one KMS JSON 1.1 request (``target`` is the X-Amz-Target header).
        ``region`` (default: this Sandbox's) lets one Sandbox answer clients of several
        Regions. ``access_key_id`` says who calls (default: the account root); the call
        is authorized as that principal and recorded in the trail. Never raises. With
        ``record_sink`` the call's record is put there, not written: the caller hands it to
        :meth:`submit_record` and answers once it is committed."""
        from kmsworkbench.sandbox import errors

        try:
            use = self.region if region is None else check_region(region)
        except ValueError:
            return protocol.error_response(errors.err("region_invalid", region=region))
        try:
            self.ensure_region(use)
        except StoreError as exc:
            return protocol.error_response(errors.err("store_unusable", problem=str(exc)))
        except Exception:  # handle never raises
            return protocol.error_response(errors.err("region_unprepared", region=use))
        try:
            if (
                prepared is not None
                and prepared.caller is not None
                and prepared.access_key_id == access_key_id
            ):
                who, now = prepared.caller, prepared.now
            else:
                # Who calls and the sandbox clock's time of the call, in one read transaction.
                with self.store.transaction():
                    who = enforce.identify(
                        self.store, self.account_id, self.partition, access_key_id
                    )
                    now = self.engine.clock.now()
        except errors.KmsError as exc:
            return protocol.error_response(exc)
        except StoreError as exc:  # a damaged store: say which file and what to do
            return protocol.error_response(errors.err("store_unusable", problem=str(exc)))
        except Exception:  # handle never raises (a closed store)
            return protocol.error_response(errors.err("internal_error"))
        call = enforce.CallContext(
            access_key_id=access_key_id,
            source_ip=source_ip,
            user_agent=user_agent,
            secure=secure,
            caller=who,
            record_sink=record_sink,
        )
        return protocol.handle(self.engine, target, body, use, call, now)

    def submit_record(self, entry: Any, done: Callable[[], None], hold: bool = False) -> None:
        """Hand a call's record (from ``handle``'s ``record_sink``) to the group commit;
        ``done()`` is called once it is committed. ``hold``: more calls are queued, so it
        may wait for their commit, or for :meth:`flush_records` (``Recorder.submit``)."""
        self.engine.recorder.submit(entry, done, hold)

    def flush_records(self) -> None:
        """Commit the records held by ``submit_record(hold=True)``."""
        self.engine.recorder.flush()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
