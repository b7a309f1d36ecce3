"""Who is calling: the account root, an IAM user or an IAM role of a sandbox account.

A role's access keys act as one assumed-role session named ``kmsworkbench``: its identity in
errors and in the trail is ``arn:aws:sts::ACCOUNT:assumed-role/NAME/kmsworkbench``, while
policies name it by the role ARN (``aws:PrincipalArn``), as AWS does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kmsworkbench.sandbox.access.policy import Policy

ROLE_SESSION = "kmsworkbench"
NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")  # IAM user and role names


@dataclass(frozen=True, slots=True)
class Caller:
    account_id: str
    partition: str
    kind: str  # "root" / "user" / "role"
    name: str | None  # None for the root
    access_key_id: str
    principal_id: str  # AIDA... for users, AROA... for roles, the account id for the root
    policies: tuple[Policy, ...] = field(default=())

    @property
    def arn(self) -> str:
        """The principal ARN policies name (aws:PrincipalArn)."""
        base = f"arn:{self.partition}:iam::{self.account_id}:"
        if self.kind == "root":
            return base + "root"
        return base + f"{self.kind}/{self.name}"

    @property
    def session_arn(self) -> str:
        """The identity that made the call (errors, userIdentity.arn)."""
        if self.kind == "role":
            return (
                f"arn:{self.partition}:sts::{self.account_id}:assumed-role/"
                f"{self.name}/{ROLE_SESSION}"
            )
        return self.arn

    @property
    def is_root(self) -> bool:
        return self.kind == "root"

    @property
    def display(self) -> str:
        return "root" if self.kind == "root" else f"{self.kind} {self.name}"

    @property
    def user_name(self) -> str:
        """CloudTrail's Username (LookupEvents): the user name, "root", or the session."""
        if self.kind == "root":
            return "root"
        return self.name if self.kind == "user" else ROLE_SESSION

    @property
    def principal_type(self) -> str:  # aws:PrincipalType
        return {"root": "Account", "user": "User", "role": "AssumedRole"}[self.kind]

    def user_identity(self) -> dict[str, object]:
        """CloudTrail's userIdentity element for this caller."""
        if self.kind == "root":
            return {
                "type": "Root",
                "principalId": self.account_id,
                "arn": self.arn,
                "accountId": self.account_id,
                "accessKeyId": self.access_key_id,
            }
        if self.kind == "user":
            return {
                "type": "IAMUser",
                "principalId": self.principal_id,
                "arn": self.arn,
                "accountId": self.account_id,
                "accessKeyId": self.access_key_id,
                "userName": self.name,
            }
        return {
            "type": "AssumedRole",
            "principalId": f"{self.principal_id}:{ROLE_SESSION}",
            "arn": self.session_arn,
            "accountId": self.account_id,
            "accessKeyId": self.access_key_id,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": self.principal_id,
                    "arn": self.arn,
                    "accountId": self.account_id,
                    "userName": self.name,
                }
            },
        }


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValueError(
            f"{name!r} is not a valid IAM name: 1-64 letters, digits and + = , . @ _ -"
        )
    if name.lower() == "root":
        raise ValueError('"root" is the account itself; pick another name')
    return name
