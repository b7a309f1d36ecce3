"""The least a KMS client has to do per call, as a peer for the boto3 client: a JSON body,
a SigV4 signature over it (botocore's own signer), one keep-alive HTTP connection, the JSON
answer parsed. What boto3 adds on top (parameter validation, endpoint rules, retries, response
shapes, events) costs about 1.8 ms a call on this machine even against a server that answers
at once; an SDK in a compiled language, or this client, pays far less of it."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class SignedJsonClient:
    def __init__(self, url: str, region: str, access_key: str, secret_key: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"an http:// endpoint is needed here, not {url!r}")
        self._url = f"http://{parts.netloc}/"
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port or 80)
        self._signer = SigV4Auth(Credentials(access_key, secret_key), "kms", region)

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(params).encode()
        request = AWSRequest(
            method="POST",
            url=self._url,
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"TrentService.{operation}",
            },
        )
        self._signer.add_auth(request)
        self._connection.request("POST", "/", body=body, headers=dict(request.headers.items()))
        response = self._connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{operation} answered {response.status}: {data[:300]!r}")
        answer: dict[str, Any] = json.loads(data)
        return answer

    def close(self) -> None:
        self._connection.close()
