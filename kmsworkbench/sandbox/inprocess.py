"""A real boto3 (botocore) KMS client answered in-process by the sandbox.

botocore builds, validates, signs and serialises the request as it would for AWS; a handler on
the client's ``before-send`` event hands the body and ``X-Amz-Target`` to
:meth:`Sandbox.handle` and returns the answer as an ``AWSResponse``, so botocore parses it,
raises ``ClientError`` with the right code and applies its retry rules. Nothing leaves the
process (moto plugs in the same way).

The client never reads the user's AWS configuration: a fresh botocore session whose config
and credentials files are ``os.devnull``, the sandbox's own credentials and Region passed
explicitly, configured endpoint URLs ignored, FIPS/dual-stack off.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kmsworkbench.sandbox import Sandbox, validation

_DEFAULT_RETRIES = {"mode": "standard", "total_max_attempts": 3}


class _RawBody:
    """The minimal urllib3-like body botocore's AWSResponse reads (``stream``/``read``)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._consumed = False

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        if not self._consumed:
            self._consumed = True
            yield self._data

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        if self._consumed:
            return b""
        self._consumed = True
        return self._data

    def close(self) -> None:
        self._consumed = True


def _body_bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    read = getattr(body, "read", None)
    if callable(read):
        data = read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return bytes(body)  # type: ignore[call-overload]


def _isolated_session_vars() -> dict[str, tuple[object, ...]]:
    """botocore's session variables with every environment variable unhooked and the
    config and credentials files pointing at the null device: nothing of the user's AWS
    setup (profiles, AWS_* variables, ~/.aws files) reaches the sandbox client."""
    from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES

    unhooked: dict[str, tuple[object, ...]] = {
        name: (config_name, None, default, conversion)
        for name, (config_name, _env, default, conversion) in (
            BOTOCORE_DEFAUT_SESSION_VARIABLES.items()
        )
    }
    unhooked["config_file"] = (None, None, os.devnull, None)
    unhooked["credentials_file"] = (None, None, os.devnull, None)
    unhooked["profile"] = (None, None, None, None)
    return unhooked


def _header(request: Any, name: str) -> str:
    value = request.headers.get(name, "")
    return value.decode("latin-1") if isinstance(value, bytes) else str(value or "")


def access_key_of(authorization: str) -> str | None:
    """The access key id in a SigV4 ``Authorization`` header (``Credential=AKID/...``):
    who the caller is, as botocore signed it."""
    _, _, rest = authorization.partition("Credential=")
    akid = rest.split("/", 1)[0].strip()
    return akid or None


def attach(client: Any, sandbox: Sandbox) -> None:
    """Answer every request of ``client`` (a botocore KMS client) from ``sandbox``."""
    from botocore.awsrequest import AWSResponse

    region = client.meta.region_name or sandbox.region

    def answer(request: Any, **_: object) -> AWSResponse:
        target = _header(request, "X-Amz-Target")
        status, headers, payload = sandbox.handle(
            target,
            _body_bytes(request.body),
            region,
            access_key_id=access_key_of(_header(request, "Authorization")),
            user_agent=_header(request, "User-Agent"),
            secure=True,  # in-process stands for the HTTPS endpoint botocore thinks it calls
        )
        return AWSResponse(request.url, status, headers, _RawBody(payload))

    client.meta.events.register("before-send.kms", answer, unique_id="kmsworkbench-sandbox")
    client._kmsworkbench_sandbox = sandbox  # keep the sandbox alive as long as the client


def make_client(
    data_dir: str | Path,
    region: str | None = None,
    *,
    acting_as: str | None = None,
    **config_kwargs: object,
) -> Any:  # botocore.client.BaseClient (KMS)
    """A KMS client for the sandbox in ``data_dir`` (opened, created and seeded as needed),
    signing with the account root's credentials, or with those of the principal or account
    ``acting_as`` names (``sandbox principals`` / ``sandbox accounts``)."""
    import botocore.session
    from botocore.config import Config

    sandbox = Sandbox.open(data_dir, region)
    access_key_id, secret = sandbox.access_key_id, sandbox.secret_access_key
    if acting_as is not None:
        try:
            access_key_id, secret = sandbox.credentials_of(acting_as)
        except BaseException:
            sandbox.close()
            raise
    session = botocore.session.Session(session_vars=_isolated_session_vars())
    # The process-wide loader: a new session would read and parse the model files again.
    session.register_component("data_loader", validation.botocore_loader())
    kwargs: dict[str, object] = {
        "retries": dict(_DEFAULT_RETRIES),
        "ignore_configured_endpoint_urls": True,
        "use_fips_endpoint": False,
        "use_dualstack_endpoint": False,
    }
    kwargs.update(config_kwargs)
    client = session.create_client(
        "kms",
        region_name=sandbox.region,
        endpoint_url=f"https://kms.{sandbox.region}.amazonaws.com"
        + (".cn" if sandbox.partition == "aws-cn" else ""),
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        aws_session_token=None,
        config=Config(**kwargs),  # type: ignore[arg-type]
    )
    attach(client, sandbox)
    return client
