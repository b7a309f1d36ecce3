"""The SigV4 verifier against requests signed by botocore's own signer (the real client
signing), and the refusals AWS gives when something is off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kmsworkbench.sandbox import sigv4
from kmsworkbench.sandbox.sigv4 import AuthError, SignedRequest, verify

from .helpers import make_request, now_utc, to_signed

ENDPOINT = "http://127.0.0.1:4599"
AK = "AKIASANDBOXTEST00001"
SK = "sandbox/secret/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
REGION = "us-east-1"
SECRETS = {AK: SK}


def signed(target: str = "TrentService.ListKeys", **kw: object) -> SignedRequest:
    params: dict[str, object] = {"access_key": AK, "secret_key": SK, "region": REGION}
    params.update(kw)
    return to_signed(make_request(ENDPOINT, target, **params))  # type: ignore[arg-type]


def refusal(request: SignedRequest, **kw: object) -> AuthError:
    with pytest.raises(AuthError) as info:
        verify(request, SECRETS, region=REGION, **kw)  # type: ignore[arg-type]
    assert info.value.status == 400
    return info.value


def replace_header(request: SignedRequest, name: str, value: str | None) -> SignedRequest:
    headers = [(k, v) for k, v in request.headers if k.lower() != name.lower()]
    if value is not None:
        headers.append((name, value))
    return SignedRequest(request.method, request.path, request.query, headers, request.body)


def test_header_lookup_ignores_case_and_keeps_every_value_in_order() -> None:
    headers = [("X-Thing", " a  b "), ("Host", "h"), ("x-THING", "c")]
    request = SignedRequest("POST", "/", "", headers, b"")
    assert request.header("x-thing") == " a  b "
    assert request.header_values("X-Thing") == [" a  b ", "c"]
    assert request.header("absent") is None and request.header_values("absent") == []
    assert sigv4.canonical_headers(request, ["host", "x-thing"]) == "host:h\nx-thing:a b,c\n"
    request.header_values("x-thing").append("d")  # a copy: the request stays as received
    assert request.header_values("x-thing") == [" a  b ", "c"]


def test_botocore_signature_is_accepted() -> None:
    assert verify(signed(), SECRETS, region=REGION) == AK


def test_lookup_function_is_accepted() -> None:
    assert verify(signed(), SECRETS.get, region=REGION) == AK


def test_signature_with_body_and_date_header() -> None:
    request = signed(body={"KeyId": "alias/x", "Limit": 5}, extra_headers={"Date": "x"})
    assert any(k == "Date" for k, _ in request.headers)
    assert verify(request, SECRETS, region=REGION) == AK


def test_path_and_query_are_canonicalised_like_botocore() -> None:
    request = signed(path="/a/./b/../c//d%20e/?b=2&a=1&a=0&sp=x%20y")
    assert verify(request, SECRETS, region=REGION) == AK


def test_presigned_query_string_is_accepted() -> None:
    request = signed(presign_expires=300)
    assert "X-Amz-Signature=" in request.query
    assert not any(k.lower() == "authorization" for k, _ in request.headers)
    assert verify(request, SECRETS, region=REGION) == AK


def test_presigned_query_string_expires() -> None:
    request = signed(presign_expires=60, when=now_utc() - timedelta(seconds=120))
    error = refusal(request)
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith("Signature expired:")


def test_presigned_tampered_query_is_refused() -> None:
    request = signed(presign_expires=300)
    tampered = SignedRequest(
        request.method,
        request.path,
        request.query.replace("X-Amz-Expires=300", "X-Amz-Expires=900"),
        request.headers,
        request.body,
    )
    assert refusal(tampered).code == "InvalidSignatureException"


def test_wrong_secret_is_invalid_signature() -> None:
    request = to_signed(
        make_request(
            ENDPOINT, "TrentService.ListKeys", access_key=AK, secret_key="wrong", region=REGION
        )
    )
    error = refusal(request)
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith(sigv4.SIGNATURE_MISMATCH_TEXT)
    assert "The Canonical String for this request should have been" in error.message


def test_unknown_access_key_is_unrecognized_client() -> None:
    request = to_signed(
        make_request(
            ENDPOINT, "TrentService.ListKeys", access_key="AKIAOTHER", secret_key=SK, region=REGION
        )
    )
    error = refusal(request)
    assert error.code == "UnrecognizedClientException"
    assert error.message == "The security token included in the request is invalid."


def test_session_token_is_unrecognized_client() -> None:
    error = refusal(signed(token="FwoGZXIvYXdzEXAMPLE"))
    assert error.code == "UnrecognizedClientException"


def test_missing_authorization_is_missing_token() -> None:
    request = replace_header(signed(), "Authorization", None)
    error = refusal(request)
    assert error.code == "MissingAuthenticationTokenException"
    assert error.message == "Missing Authentication Token"


@pytest.mark.parametrize(
    ("authorization", "fragment"),
    [
        ("AWS4-HMAC-SHA256 Signature=abc", "requires 'Credential' parameter"),
        ("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Signature=ab", "requires 'SignedHeaders'"),
        ("AWS4-HMAC-SHA256 Credential= AK/x, SignedHeaders=host", "missing equal-sign"),
        ("Bearer abc.def", "Unsupported AWS 'algorithm'"),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/kms, SignedHeaders=host, "
            "Signature=00",
            "exactly 5 slash-delimited elements",
        ),
    ],
)
def test_malformed_authorization_is_incomplete_signature(authorization: str, fragment: str) -> None:
    error = refusal(replace_header(signed(), "Authorization", authorization))
    assert error.code == "IncompleteSignatureException"
    assert fragment in error.message


def test_missing_date_is_incomplete_signature() -> None:
    error = refusal(replace_header(signed(), "X-Amz-Date", None))
    assert error.code == "IncompleteSignatureException"
    assert "'X-Amz-Date' or a 'Date' header" in error.message


def test_malformed_date_is_incomplete_signature() -> None:
    error = refusal(replace_header(signed(), "X-Amz-Date", "2024-01-01T00:00:00Z"))
    assert error.code == "IncompleteSignatureException"
    assert "ISO-8601 'basic format'" in error.message


@pytest.mark.parametrize("minutes", [6, 60 * 24])
def test_old_request_is_signature_expired(minutes: int) -> None:
    request = signed()
    later = now_utc() + timedelta(minutes=minutes)
    error = refusal(request, now=later)
    assert error.code == "InvalidSignatureException"
    stamp = request.header("X-Amz-Date")
    limit = (later - timedelta(minutes=5)).strftime(sigv4.TIMESTAMP_FORMAT)
    now_text = later.strftime(sigv4.TIMESTAMP_FORMAT)
    assert error.message == (
        f"Signature expired: {stamp} is now earlier than {limit} ({now_text} - 5 min.)"
    )


def test_future_request_is_not_yet_current() -> None:
    request = signed()
    earlier = now_utc() - timedelta(minutes=6)
    error = refusal(request, now=earlier)
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith(f"Signature not yet current: {request.header('X-Amz-Date')}")
    assert error.message.endswith("+ 5 min.)")


def test_four_minutes_of_skew_is_accepted() -> None:
    request = signed()
    assert verify(request, SECRETS, region=REGION, now=now_utc() + timedelta(minutes=4)) == AK
    assert verify(request, SECRETS, region=REGION, now=now_utc() - timedelta(minutes=4)) == AK


def test_wrong_region_scope() -> None:
    error = refusal(signed(region="eu-west-1"))
    assert error.code == "InvalidSignatureException"
    assert error.message == "Credential should be scoped to a valid region, not 'eu-west-1'. "


def test_wrong_service_scope() -> None:
    error = refusal(signed(service="dynamodb"))
    assert error.code == "InvalidSignatureException"
    assert error.message == "Credential should be scoped to correct service: 'kms'. "


def test_scope_date_must_match_request_date() -> None:
    request = signed()
    stamp = request.header("X-Amz-Date") or ""
    other = (now_utc() - timedelta(days=1)).strftime("%Y%m%d")
    auth = (request.header("Authorization") or "").replace(f"/{stamp[:8]}/", f"/{other}/")
    error = refusal(replace_header(request, "Authorization", auth))
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith("Date in Credential scope does not match YYYYMMDD")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Amz-Target", "TrentService.ScheduleKeyDeletion"),
        ("Content-Type", "application/json"),
        ("Host", "127.0.0.1:4600"),
    ],
)
def test_tampered_signed_header_is_refused(name: str, value: str) -> None:
    error = refusal(replace_header(signed(), name, value))
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith(sigv4.SIGNATURE_MISMATCH_TEXT)


def test_tampered_body_is_refused() -> None:
    request = signed(body={"Limit": 5})
    tampered = SignedRequest(
        request.method, request.path, request.query, request.headers, b'{"Limit": 500}'
    )
    assert refusal(tampered).code == "InvalidSignatureException"


def test_tampered_signature_is_refused() -> None:
    request = signed()
    auth = request.header("Authorization") or ""
    head, _, sig = auth.rpartition("Signature=")
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    error = refusal(replace_header(request, "Authorization", head + "Signature=" + flipped))
    assert error.code == "InvalidSignatureException"


def test_unsigned_extra_header_does_not_matter() -> None:
    request = replace_header(signed(), "X-Unsigned-Thing", "anything")
    assert verify(request, SECRETS, region=REGION) == AK


def test_host_must_be_signed() -> None:
    request = signed()
    auth = (request.header("Authorization") or "").replace("host;", "")
    error = refusal(replace_header(request, "Authorization", auth))
    assert error.code == "InvalidSignatureException"
    assert "'Host'" in error.message


def test_payload_hash_header_must_match_body() -> None:
    request = signed(extra_headers={"X-Amz-Content-SHA256": "0" * 64})
    error = refusal(request)
    assert error.code == "InvalidSignatureException"
    assert "x-amz-content-sha256" in error.message


def test_canonical_uri_encodes_twice() -> None:
    assert sigv4.canonical_uri("/a%20b/../c/") == "/c/"
    assert sigv4.canonical_uri("/x%2Fy") == "/x%252Fy"
    assert sigv4.canonical_uri("") == "/"
