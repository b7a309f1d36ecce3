"""Logging in again without leaving the app, when AWS credentials or an SSO token expired.

A KMS call that fails with an expired token, an SSO token that cannot be loaded or
refreshed, or no credentials at all, on the AWS backend with a named profile, is answered
by ``aws sso login --profile NAME``: the app suspends itself (hands the terminal to the AWS
CLI, which opens the browser flow), then builds a new session (botocore reads the fresh
token cache) and lists the keys again. Without an ``aws`` executable on PATH the error modal
shows the command to run in another terminal, and a Retry that rebuilds the session.

This is a TUI adapter: the service layer's ``KmsError`` carries the code; which codes mean
"log in again" is decided here, next to the one place that acts on it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kmsworkbench.service import Backend

# Codes of KmsError (botocore exception names for client-side failures, KMS/STS codes for
# service errors) after which a fresh login is the remedy.
EXPIRED_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "UnauthorizedSSOTokenError",
        "TokenRetrievalError",
        "SSOTokenLoadError",
    }
)
MISSING_CREDENTIAL_CODES = frozenset({"NoCredentialsError", "PartialCredentialsError"})
LOGIN_CODES = EXPIRED_CODES | MISSING_CREDENTIAL_CODES

LoginRunner = Callable[[Sequence[str]], int]
AwsFinder = Callable[[], str | None]


def run_login(command: Sequence[str]) -> int:
    """Run the login command in the terminal (the app is suspended); its exit status."""
    try:
        return subprocess.run(list(command), check=False).returncode
    except OSError:
        return 127


def find_aws() -> str | None:
    """The ``aws`` executable on PATH, if any."""
    return shutil.which("aws")


def login_command(profile: str, executable: str = "aws") -> list[str]:
    return [executable, "sso", "login", "--profile", profile]


def shell_command(profile: str) -> str:
    """The command as a person types it."""
    import shlex

    return " ".join(shlex.quote(part) for part in login_command(profile))


@dataclass(frozen=True)
class LoginOffer:
    """What the error modal offers: the profile, and whether the AWS CLI is at hand (then
    "Log in again" runs it; otherwise the command is shown and "Retry" rebuilds)."""

    profile: str
    aws_executable: str | None

    @property
    def command(self) -> str:
        return shell_command(self.profile)

    @property
    def can_run(self) -> bool:
        return self.aws_executable is not None


def login_offer(error: BaseException, backend: Backend, finder: AwsFinder) -> LoginOffer | None:
    """A LoginOffer when ``error`` is one a login fixes and the backend is AWS with a
    profile; None otherwise (the sandbox and endpoints have no login)."""
    code = getattr(error, "code", None)
    if code not in LOGIN_CODES:
        return None
    if backend.kind != "aws" or not backend.profile:
        return None
    return LoginOffer(profile=backend.profile, aws_executable=finder())
