"""One request as the operations see it: who (account), where (Region, partition), when
(the sandbox clock) and which operation, plus the store it runs against. ARNs are built here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmsworkbench.sandbox.store import Store

# China Regions use the aws-cn partition; SM2 is offered only there (kms-semantics.md 4.1).
CHINA_REGIONS = frozenset({"cn-north-1", "cn-northwest-1"})
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
DAY = 86_400.0


def partition_of(region: str) -> str:
    return "aws-cn" if region in CHINA_REGIONS else "aws"


@dataclass(frozen=True, slots=True)
class Request:
    """The context of one operation call. ``now`` is read once from the sandbox clock."""

    operation: str
    region: str
    partition: str
    account_id: str
    now: float
    store: Store
    request_id: str = ""
    # (region, key id) of every key resolve_key found for this request (key last usage).
    used: list[tuple[str, str]] = field(default_factory=list)
    # Who is calling and what the call touched (kmsworkbench.sandbox.enforce.CallContext);
    # None for the sandbox's own work (seeding), which nobody authorizes or records.
    call: Any = None

    def key_arn(self, key_id: str) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:key/{key_id}"

    def alias_arn(self, alias_name: str) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:{alias_name}"

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    @property
    def in_china(self) -> bool:
        return self.region in CHINA_REGIONS
