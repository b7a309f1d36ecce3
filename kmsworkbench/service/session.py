"""KmsSession: one boto3 KMS client for a backend, typed calls, journal, explained errors.

boto3 is imported here only inside functions, so importing kmsworkbench.service stays light.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from kmsworkbench.service.backend import Backend
from kmsworkbench.service.errors import KmsError, from_exception
from kmsworkbench.service.journal import Journal, JournalEntry, aws_cli_command, redact_params
from kmsworkbench.service.models import DecryptResult, GenerateResult, KeyInfo
from kmsworkbench.service.session_listing import KeyListing, account_of

DEFAULT_MAX_POOL = 32  # the key list's DescribeKey calls in flight (service/key_loading.py)
SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
# How long caller_account waits for the first page of a key listing already under way (which
# names the account) before asking ListKeys itself.
LISTING_WAIT = 10.0
# Every answer of ``kmsworkbench serve`` carries this header (botocore lowercases names).
SANDBOX_HEADER = "x-kmsworkbench-sandbox"


def _snake(operation: str) -> str:
    import re

    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", operation)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


class KmsSession(KeyListing):
    """A KMS client for one backend. Thread-safe: the client is built once, lazily, and
    boto3 clients may be shared between threads."""

    def __init__(
        self,
        backend: Backend,
        journal: Journal | None = None,
        *,
        max_attempts: int | None = None,
        max_pool_connections: int = DEFAULT_MAX_POOL,
    ) -> None:
        self.backend = backend
        self.journal = journal if journal is not None else Journal()
        self._max_attempts = max_attempts
        self._max_pool = max_pool_connections
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._described: dict[str, KeyInfo] = {}
        self._aliases: dict[str, list[str]] | None = None
        self._listed_account: str | None = None  # from the first key ARN a listing saw
        self._first_page: threading.Event | None = None  # set once a listing's first page is in
        # The region a listing in a child process reported (its client's), before this
        # session has built a client of its own (service/key_loading_process.py).
        self._known_region: str | None = None
        # Makes the read-only calls it can until this session builds a client of its own:
        # the start-up listing's child process (service/key_loading_process.py).
        self._remote: Any = None
        self._sts: Any = None
        # Set once an answer says it came from a kmsworkbench sandbox (which has no quotas).
        self._sandbox_server = False

    # ----------------------------------------------------------------- client building

    def _config_kwargs(self) -> dict[str, Any]:
        retries: dict[str, Any] = {"mode": "standard"}
        if self._max_attempts is not None:
            retries["total_max_attempts"] = self._max_attempts
        kwargs: dict[str, Any] = {
            "retries": retries,
            "max_pool_connections": self._max_pool,
            "user_agent_extra": "kmsworkbench",
        }
        if self.backend.read_timeout is not None:
            kwargs["read_timeout"] = self.backend.read_timeout
        if self.backend.connect_timeout is not None:
            kwargs["connect_timeout"] = self.backend.connect_timeout
        return kwargs

    def _boto3_session(self) -> Any:
        # A botocore session, not boto3's: boto3 adds nothing for a KMS client but imports
        # s3transfer and its resource layer, about 0.15 s of every one-shot command's start.
        import botocore.session

        from kmsworkbench import botodata

        session = botocore.session.Session(profile=self.backend.profile)
        if not botodata.wants_own_loader(session):
            # The process's loader: the model files parsed once, and cached between runs.
            session.register_component("data_loader", botodata.loader())
        if self.backend.region:
            session.set_config_variable("region", self.backend.region)
        return session

    def _build_client(self) -> Any:
        backend = self.backend
        if backend.debug:
            from kmsworkbench.service._debug import enable_debug_logging

            enable_debug_logging()
        if backend.kind == "sandbox":
            from kmsworkbench.sandbox.inprocess import make_client

            return make_client(
                backend.resolved_data_dir,
                backend.region,
                acting_as=backend.acting_as,
                **self._config_kwargs(),
            )
        if backend.acting_as:
            raise ValueError(
                f"--as {backend.acting_as} acts as a principal of the embedded sandbox; for a "
                f'served sandbox use: eval "$(kmsworkbench sandbox env --as {backend.acting_as})"'
            )
        from botocore.config import Config

        session = self._boto3_session()
        verify: bool | str | None = None
        if not backend.verify_ssl:
            verify = False
        elif backend.ca_bundle:
            verify = backend.ca_bundle
        return session.create_client(
            "kms",
            endpoint_url=backend.endpoint_url if backend.kind == "endpoint" else None,
            verify=verify,
            config=Config(**self._config_kwargs()),
        )

    def _get_client(self, operation: str) -> Any:
        if self._client is not None:
            return self._client
        with self._client_lock:
            if self._client is None:
                try:
                    self._client = self._build_client()
                except Exception as exc:
                    err = self._translate(exc, operation, {})
                    self._record(operation, {}, 0.0, None, err)
                    raise err from exc
            return self._client

    @property
    def client(self) -> Any:
        """The boto3 KMS client (built on first use; raises KmsError if it cannot be)."""
        return self._get_client("CreateClient")

    @property
    def region(self) -> str | None:
        """The region the client uses (builds the client)."""
        return self.client.meta.region_name

    @property
    def has_request_quotas(self) -> bool:
        """Whether KMS request quotas may apply: False for the embedded sandbox, and for an
        endpoint once one of its answers carried SANDBOX_HEADER (``kmsworkbench serve``);
        True for AWS and any other endpoint."""
        return self.backend.kind != "sandbox" and not self._sandbox_server

    def known_region(self) -> str | None:
        """The client's region if it is built, else the one a listing in a child process
        reported (None if neither): the header's, without building a client for it."""
        client = self._client
        return client.meta.region_name if client is not None else self._known_region

    def label(self) -> str:
        return self.backend.label(self.known_region())

    def prepare_client(self, *, while_remote: Any) -> bool:
        """Build the client now, while ``while_remote`` still makes this session's read-only
        calls (the start-up listing's child, handing over: service/key_loading_process.py).
        True once the client is there; False, saying nothing, if it cannot be built (the
        calls go on being made there, and a call that needs a client here reports why) or
        if the session was closed or its remote changed meanwhile."""
        with self._client_lock:
            if self._remote is not while_remote:
                return False
            if self._client is None:
                try:
                    self._client = self._build_client()
                except Exception:
                    return False
        return True

    def close(self) -> None:
        remote, self._remote = self._remote, None
        if remote is not None:
            remote.close()
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            close = getattr(client, "close", None)
            if callable(close):
                close()
            # An in-process sandbox client owns its Sandbox: close its store (and the
            # folder lock that tells reset and restore it is in use).
            sandbox = getattr(client, "_kmsworkbench_sandbox", None)
            if sandbox is not None:
                sandbox.close()

    def __enter__(self) -> KmsSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- calls and journal

    def _effective_region(self) -> str | None:
        client = self._client
        return client.meta.region_name if client is not None else self.backend.region

    def _translate(self, exc: BaseException, operation: str, params: dict[str, Any]) -> KmsError:
        return from_exception(
            exc,
            operation,
            params=params,
            region=self._effective_region(),
            profile=self.backend.profile,
            endpoint_url=self.backend.endpoint_url if self.backend.kind == "endpoint" else None,
        )

    def _record(
        self,
        operation: str,
        params: dict[str, Any],
        latency_ms: float,
        response: dict[str, Any] | None,
        error: KmsError | None,
    ) -> None:
        kept = redact_params(params)
        meta = (response or {}).get("ResponseMetadata") or {}
        if not self._sandbox_server and SANDBOX_HEADER in (meta.get("HTTPHeaders") or {}):
            self._sandbox_server = True
        entry = JournalEntry(
            operation=operation,
            params=kept,
            ok=error is None,
            error_code=error.code if error else None,
            latency_ms=latency_ms,
            request_id=(error.request_id if error else meta.get("RequestId")) or None,
            aws_cli=aws_cli_command(operation, kept, self.backend, self._effective_region()),
            error_message=error.message if error else None,
            backend_label=self.label(),
        )
        self.journal.record(entry)

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call a KMS operation by its API name (e.g. "DescribeKey"), journaled; any
        failure becomes a KmsError. The response is botocore's dict."""
        remote = self._remote
        if remote is not None and self._client is None:
            from kmsworkbench.service.key_loading_process import ChildGone

            try:
                return remote.call(operation, params)  # journaled as it is made there
            except ChildGone:
                pass
        method = getattr(self._get_client(operation), _snake(operation))
        return self._journaled(operation, params, lambda: method(**params))

    def _journaled(
        self, operation: str, params: dict[str, Any], send: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """``send()``, timed and journaled; a failure is journaled and raised as KmsError."""
        start = time.perf_counter()
        try:
            response = send()
        except Exception as exc:
            err = self._translate(exc, operation, params)
            self._record(operation, params, (time.perf_counter() - start) * 1000, None, err)
            raise err from exc
        self._record(operation, params, (time.perf_counter() - start) * 1000, response, None)
        return response

    def _paginate(self, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Pages of a paginated operation (botocore's paginator), each page journaled."""
        client = self._get_client(operation)
        paginator = client.get_paginator(_snake(operation))
        pages = iter(paginator.paginate(**params))
        marker: str | None = None
        while True:
            call_params = dict(params)
            if marker:
                call_params["Marker"] = marker
            start = time.perf_counter()
            try:
                page = next(pages)
            except StopIteration:
                return
            except Exception as exc:
                err = self._translate(exc, operation, call_params)
                self._record(
                    operation, call_params, (time.perf_counter() - start) * 1000, None, err
                )
                raise err from exc
            self._record(operation, call_params, (time.perf_counter() - start) * 1000, page, None)
            marker = page.get("NextMarker")
            yield page

    # ----------------------------------------------------------------- data key pairs

    def generate_pair(
        self,
        key_id: str,
        spec: str,
        encryption_context: dict[str, str] | None = None,
        grant_tokens: list[str] | None = None,
        dry_run: bool = False,
        with_plaintext: bool = False,
    ) -> GenerateResult:
        """GenerateDataKeyPairWithoutPlaintext (or GenerateDataKeyPair with
        ``with_plaintext``). A dry run raises KmsError DryRunOperationException when the
        call would have succeeded, as KMS does."""
        params: dict[str, Any] = {"KeyId": key_id, "KeyPairSpec": spec}
        if encryption_context:
            params["EncryptionContext"] = dict(encryption_context)
        if grant_tokens:
            params["GrantTokens"] = list(grant_tokens)
        if dry_run:
            params["DryRun"] = True
        operation = (
            "GenerateDataKeyPair" if with_plaintext else "GenerateDataKeyPairWithoutPlaintext"
        )
        response = self.call(operation, **params)
        plaintext = response.get("PrivateKeyPlaintext")
        raw = {k: v for k, v in response.items() if k != "PrivateKeyPlaintext"}
        return GenerateResult(
            key_arn=response["KeyId"],
            key_pair_spec=response.get("KeyPairSpec", spec),
            public_key=response["PublicKey"],
            private_key_ciphertext=response["PrivateKeyCiphertextBlob"],
            key_material_id=response.get("KeyMaterialId"),
            private_key_plaintext=plaintext if with_plaintext else None,
            raw=raw,
        )

    def decrypt_private_key(
        self,
        ciphertext: bytes,
        encryption_context: dict[str, str] | None = None,
        key_id: str | None = None,
        grant_tokens: list[str] | None = None,
        dry_run: bool = False,
    ) -> DecryptResult:
        """Decrypt a PrivateKeyCiphertextBlob. The plaintext stays in memory only."""
        params: dict[str, Any] = {"CiphertextBlob": ciphertext}
        if encryption_context:
            params["EncryptionContext"] = dict(encryption_context)
        if key_id:
            params["KeyId"] = key_id
        if grant_tokens:
            params["GrantTokens"] = list(grant_tokens)
        if dry_run:
            params["DryRun"] = True
        response = self.call("Decrypt", **params)
        return DecryptResult(
            key_arn=response.get("KeyId", key_id or ""),
            plaintext=response["Plaintext"],
            encryption_algorithm=response.get("EncryptionAlgorithm"),
            key_material_id=response.get("KeyMaterialId"),
        )

    # ----------------------------------------------------------------- key management

    def create_key(self, description: str = "", alias: str | None = None) -> KeyInfo:
        """A symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT), with an alias."""
        params: dict[str, Any] = {"KeySpec": SYMMETRIC_DEFAULT, "KeyUsage": "ENCRYPT_DECRYPT"}
        if description:
            params["Description"] = description
        meta = self.call("CreateKey", **params)["KeyMetadata"]
        aliases: list[str] = []
        if alias:
            name = alias if alias.startswith("alias/") else f"alias/{alias}"
            self.create_alias(name, meta["KeyId"])
            aliases.append(name)
        info = KeyInfo(meta["KeyId"], meta["Arn"], aliases, meta)
        with self._cache_lock:
            self._described[meta["KeyId"]] = info
            self._described[meta["Arn"]] = info
            if self._aliases is not None and aliases:
                self._aliases.setdefault(meta["KeyId"], []).extend(aliases)
        return info

    def enable_key(self, key_id: str) -> None:
        self.call("EnableKey", KeyId=key_id)
        self.invalidate(key_id)

    def disable_key(self, key_id: str) -> None:
        self.call("DisableKey", KeyId=key_id)
        self.invalidate(key_id)

    def schedule_key_deletion(self, key_id: str, pending_window_days: int = 7) -> datetime:
        response = self.call(
            "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=pending_window_days
        )
        self.invalidate(key_id)
        return response["DeletionDate"]

    def cancel_key_deletion(self, key_id: str) -> None:
        self.call("CancelKeyDeletion", KeyId=key_id)
        self.invalidate(key_id)

    def create_alias(self, alias: str, key_id: str) -> None:
        self.call("CreateAlias", AliasName=alias, TargetKeyId=key_id)
        with self._cache_lock:
            self._aliases = None
        self.invalidate(key_id)

    def caller_account(self) -> str | None:
        """The account the calls go to: STS GetCallerIdentity on AWS; elsewhere the
        account in the first key ARN the endpoint lists (the sandbox's own account): the
        one a key listing of this session saw, else ListKeys with Limit 1."""
        if self.backend.kind == "aws":
            client = self._get_client("GetCallerIdentity")

            def get_caller_identity() -> dict[str, Any]:
                if self._sts is None:
                    self._sts = self._boto3_session().create_client(
                        "sts", region_name=client.meta.region_name
                    )
                return self._sts.get_caller_identity()

            response = self._journaled("GetCallerIdentity", {}, get_caller_identity)
            return response.get("Account")
        first_page = self._first_page
        if self._listed_account is None and first_page is not None:
            first_page.wait(LISTING_WAIT)  # a key listing is under way: its first page says
        if self._listed_account is not None:  # a key listing saw it
            return self._listed_account
        page = self.call("ListKeys", Limit=1)
        for key in page.get("Keys", []):
            account = account_of(str(key.get("KeyArn", "")))
            if account:
                return account
        return None
