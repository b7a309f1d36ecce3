"""Which KMS we talk to, and with which client options.

Three kinds (DESIGN.md, "One road to KMS"):

- ``sandbox`` (the default): the embedded KMS in a data folder, answered in-process.
- ``endpoint``: any KMS endpoint URL (a served sandbox, LocalStack, ...). Credentials come
  from the normal chain (environment, profile), so after ``eval "$(kmsworkbench sandbox
  env)"`` the exported AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY reach a served sandbox.
- ``aws``: the real service through the standard credential chain (profiles, SSO, env).

How the kind is chosen from the command line and environment (:meth:`Backend.from_args`):

1. ``--endpoint-url`` → endpoint.
2. ``--aws`` or ``--profile`` → aws (``AWS_ENDPOINT_URL_KMS`` is then honoured by botocore
   itself, as the AWS CLI honours it).
3. ``AWS_ENDPOINT_URL_KMS`` in the environment (and no ``--data-dir``) → endpoint.
4. otherwise → sandbox. ``AWS_PROFILE`` alone does not switch to AWS: the sandbox is the
   default so nobody talks to a real account by accident.

The region: ``--region``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` for endpoint and aws
(aws also reads the profile's region through botocore). The sandbox takes its region only
from ``--region``; otherwise it keeps the region stored in its data folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from kmsworkbench import paths

BackendKind = Literal["sandbox", "endpoint", "aws"]

# An endpoint with no region configured anywhere gets this one (a served sandbox accepts
# its own region; botocore needs some region to sign).
DEFAULT_ENDPOINT_REGION = "us-east-1"


@dataclass(frozen=True)
class Backend:
    kind: BackendKind = "sandbox"
    data_dir: Path | None = None
    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None
    verify_ssl: bool = True
    ca_bundle: str | None = None
    read_timeout: float | None = None
    connect_timeout: float | None = None
    debug: bool = False
    # The sandbox principal the client signs as (``--as``): NAME, ACCOUNT/NAME, an account
    # id or "root"; None is the account root, as before principals existed.
    acting_as: str | None = None

    @classmethod
    def from_args(cls, ns: argparse.Namespace) -> Backend:
        """The backend described by the global CLI options and the AWS environment."""
        get = lambda name, default=None: getattr(ns, name, default)  # noqa: E731
        env = os.environ
        endpoint_url = get("endpoint_url") or None
        profile = get("profile") or None
        use_aws = bool(get("aws")) or profile is not None
        data_dir_arg = get("data_dir")
        env_region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
        region = get("region") or None
        kind: BackendKind
        if endpoint_url:
            kind = "endpoint"
        elif use_aws:
            kind = "aws"
        elif env.get("AWS_ENDPOINT_URL_KMS") and not data_dir_arg:
            kind = "endpoint"
            endpoint_url = env["AWS_ENDPOINT_URL_KMS"]
        else:
            kind = "sandbox"
        if kind == "aws" and profile is None:
            profile = env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or None
        if kind != "sandbox" and region is None:
            region = env_region
        if kind == "endpoint" and region is None and profile is None:
            region = DEFAULT_ENDPOINT_REGION
        return cls(
            kind=kind,
            data_dir=paths.data_dir(data_dir_arg) if kind == "sandbox" else None,
            endpoint_url=endpoint_url,
            profile=profile if kind != "sandbox" else None,
            region=region,
            verify_ssl=not bool(get("no_verify_ssl")),
            ca_bundle=get("ca_bundle") or None,
            read_timeout=get("cli_read_timeout"),
            connect_timeout=get("cli_connect_timeout"),
            debug=bool(get("debug")),
            acting_as=get("acting_as") or None,
        )

    @classmethod
    def sandbox(
        cls, data_dir: str | os.PathLike[str] | None = None, region: str | None = None
    ) -> Backend:
        return cls(kind="sandbox", data_dir=paths.data_dir(data_dir), region=region)

    def with_changes(self, **kw: Any) -> Backend:
        return dataclasses.replace(self, **kw)

    @property
    def resolved_data_dir(self) -> Path:
        """The sandbox data folder (the default location when none was given)."""
        return self.data_dir if self.data_dir is not None else paths.data_dir()

    def store_problem(self) -> str | None:
        """For a sandbox backend whose store exists: None when it opens and passes its checks
        (header, quick_check, schema), else the full message saying what is wrong and how to
        get it back. Run before the TUI starts, so it never starts on a damaged store."""
        if self.kind != "sandbox":
            return None
        from kmsworkbench.sandbox.store import DB_NAME, Store, StoreError

        if not (self.resolved_data_dir / DB_NAME).exists():
            return None  # a new folder: the first call makes its store
        try:
            Store(self.resolved_data_dir).close()
        except StoreError as exc:
            return str(exc)
        return None

    def label(self, effective_region: str | None = None) -> str:
        """One line for a header: which KMS, where, which region. ``effective_region`` is
        the region the client actually uses, when the caller knows it."""
        region = effective_region or self.region
        if self.kind == "sandbox":
            who = f" · as {self.acting_as}" if self.acting_as else ""
            return f"sandbox · {self.resolved_data_dir} · {region or 'its own region'}{who}"
        if self.kind == "endpoint":
            parts = [f"endpoint {self.endpoint_url}"]
            if self.profile:
                parts.append(f"profile {self.profile}")
            parts.append(region or "default region")
            return " · ".join(parts)
        parts = ["aws", f"profile {self.profile or 'default'}", region or "region from profile"]
        return " · ".join(parts)

    def cli_options(self, effective_region: str | None = None) -> list[str]:
        """The AWS CLI options that reach the same KMS (for the journal's commands)."""
        opts: list[str] = []
        if self.kind == "endpoint" and self.endpoint_url:
            opts += ["--endpoint-url", self.endpoint_url]
        if self.kind != "sandbox" and self.profile:
            opts += ["--profile", self.profile]
        region = effective_region or self.region
        if region and (self.kind != "aws" or self.region or effective_region):
            opts += ["--region", region]
        if not self.verify_ssl:
            opts.append("--no-verify-ssl")
        if self.ca_bundle:
            opts += ["--ca-bundle", self.ca_bundle]
        return opts
