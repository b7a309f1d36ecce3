"""Checking AWS Signature Version 4 on incoming requests, the way an AWS front end does.

The server calls :func:`verify` with the request as it arrived (method, raw path and query,
headers, body) and the credentials it knows. The answer is the access key id that signed the
request, or an :class:`AuthError` carrying the error code, message and HTTP status that AWS
gives for that refusal. Both forms of SigV4 are checked: the ``Authorization`` header and the
presigned query string (``X-Amz-Algorithm``, ``X-Amz-Credential``, ...).

The error messages are the ones AWS front ends send for JSON-protocol services such as KMS
(seen in SDK bug reports and in the IAM guide "Troubleshoot signed requests"):

- no signature at all: MissingAuthenticationTokenException "Missing Authentication Token";
- a malformed one: IncompleteSignatureException (what is missing is named);
- a date more than 5 minutes away: InvalidSignatureException "Signature expired: <date> is now
  earlier than <now - 5 min> (<now> - 5 min.)" or "Signature not yet current: <date> is still
  later than <now + 5 min> (<now> + 5 min.)";
- the wrong region or service in the credential scope: InvalidSignatureException "Credential
  should be scoped to a valid region, not '<r>'. " / "... to correct service: 'kms'. ";
- an access key nobody issued: UnrecognizedClientException "The security token included in
  the request is invalid.";
- a signature that does not match: InvalidSignatureException "The request signature we
  calculated does not match ...", followed (as AWS's JSON services do) by the canonical
  request and string to sign the server computed, which is what a person debugging a signer
  needs. They hold header values and the body's SHA-256, never the body.

All of these are HTTP 400, as KMS answers them. Signatures are compared with
:func:`hmac.compare_digest`.

The payload is always signed. ``x-amz-content-sha256: UNSIGNED-PAYLOAD`` is an S3 option; for
other services (KMS among them) the front end hashes the body it received whatever the header
says, so a request signed over the literal ``UNSIGNED-PAYLOAD`` fails with the usual
InvalidSignatureException "The request signature we calculated does not match ...", whose
canonical request shows the body's real hash (the AWS SDK for Go's signer documents that
unsigned payloads "only work for services that have support for this"; requests to other
services signed that way are reported to fail with a signature mismatch). A body swapped
after signing can therefore never be executed.

The Region: :func:`verify_request` takes either the one Region a request may be scoped to, or
a predicate, so one server can answer every Region (the Region named in the request's
credential scope, as one ``AWS_ENDPOINT_URL_KMS`` is used for every Region by the AWS CLI and
the SDKs).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# How far a request's date may be from the server's clock, as AWS allows.
MAX_SKEW = timedelta(minutes=5)
# Longest validity of a presigned request (seven days), as AWS allows.
MAX_PRESIGN_EXPIRES = 604800

_HEX64 = re.compile(r"[0-9a-f]{64}")
_BASIC_TIME = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z")
_ASCII_DIGITS = re.compile(r"[0-9]{1,12}")  # str.isdigit() also accepts '²', which int() refuses
_TIMESTAMP = re.compile(r"\d{8}T\d{6}Z")

MISSING_TOKEN = "MissingAuthenticationTokenException"
INCOMPLETE = "IncompleteSignatureException"
INVALID = "InvalidSignatureException"
UNRECOGNIZED = "UnrecognizedClientException"

SIGNATURE_MISMATCH_TEXT = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


class AuthError(Exception):
    """A refused request: ``code`` goes into ``__type``, ``message`` into ``message``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SignedRequest:
    """An HTTP request as the server received it.

    ``path`` and ``query`` are exactly as they appeared on the request line (still
    percent-encoded); ``headers`` keeps every occurrence of every header, in order.
    """

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes = field(repr=False, default=b"")
    # Every value by lower-case name, made once: a verification looks up about eight
    # headers, and lower-casing every header for each lookup was a tenth of its cost.
    _by_name: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, list[str]] = {}
        for key, value in self.headers:
            by_name.setdefault(key.lower(), []).append(value)
        object.__setattr__(self, "_by_name", by_name)

    def header_values(self, name: str) -> list[str]:
        return list(self._by_name.get(name.lower(), ()))

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None


@dataclass(frozen=True)
class _Parsed:
    access_key: str
    date: str  # YYYYMMDD from the credential scope
    region: str
    service: str
    terminator: str
    signed_headers: list[str]
    signature: str
    timestamp: str  # the request's date, basic ISO-8601
    presigned: bool
    expires: int | None
    credential: str


def _split_query(query: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if not query:
        return pairs
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    encoded = sorted((_encode(k), _encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal, with consecutive slashes collapsed as AWS requires."""
    if not path:
        return "/"
    output: list[str] = []
    for part in path.split("/"):
        if not part or part == ".":
            continue
        if part == "..":
            if output:
                output.pop()
            continue
        output.append(part)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and output else ""
    return first + "/".join(output) + last


def canonical_uri(raw_path: str) -> str:
    """The path as SigV4 canonicalises it for services other than S3: dot segments removed,
    then each byte URI-encoded again (so an encoded path is encoded twice)."""
    return quote(_remove_dot_segments(raw_path), safe="/~")


def _trim(value: str) -> str:
    return " ".join(value.split())


def canonical_headers(request: SignedRequest, names: list[str]) -> str:
    lines = []
    for name in names:
        values = request.header_values(name)
        lines.append(f"{name}:{','.join(_trim(v) for v in values)}")
    return "\n".join(lines) + "\n"


_KEYS: dict[tuple[str, str, str, str], bytes] = {}
_KEYS_MAX = 64


def _derive_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The signing key of one credential scope. It changes once a day per secret, Region
    and service, so they are kept (four HMACs saved per request), up to ``_KEYS_MAX``
    scopes, then forgotten all at once (each step is one atomic dict operation)."""
    scope = (secret, date, region, service)
    key = _KEYS.get(scope)
    if key is not None:
        return key
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    if len(_KEYS) >= _KEYS_MAX:
        _KEYS.clear()
    _KEYS[scope] = key
    return key


def _parse_timestamp(text: str) -> datetime:
    """``YYYYMMDDTHHMMSSZ`` as an aware UTC datetime (ValueError when it is not one)."""
    match = _BASIC_TIME.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _parse_authorization(value: str) -> tuple[str, dict[str, str]]:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise AuthError(
            INCOMPLETE, f"Unsupported AWS 'algorithm': '{algorithm}'. Authorization={value}"
        )
    params: dict[str, str] = {}
    # AWS splits the parameters on commas and white space alike.
    for item in re.split(r"[,\s]+", rest):
        if not item:
            continue
        if "=" not in item:
            raise AuthError(
                INCOMPLETE,
                f"'{item}' not a valid key=value pair (missing equal-sign) in Authorization "
                f"header: '{value}'.",
            )
        key, _, val = item.partition("=")
        params[key] = val
    return algorithm, params


def _request_timestamp(request: SignedRequest, fallback_problems: list[str]) -> str | None:
    amz_date = request.header("x-amz-date")
    if amz_date is not None:
        return amz_date.strip()
    date = request.header("date")
    if date is not None:
        try:
            parsed = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            raise AuthError(INCOMPLETE, f"Date must be in RFC 1123 format. Got '{date}'.") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    fallback_problems.append(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
    )
    return None


def _parse_credential(credential: str) -> list[str]:
    parts = credential.split("/")
    if len(parts) != 5:
        raise AuthError(
            INCOMPLETE,
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{credential}'",
        )
    return parts


def _parse(request: SignedRequest) -> _Parsed:
    authorization = request.header("authorization")
    query = dict(_split_query(request.query))
    if authorization is None and "X-Amz-Algorithm" not in query:
        raise AuthError(MISSING_TOKEN, "Missing Authentication Token")
    if authorization is not None:
        _, params = _parse_authorization(authorization)
        problems = [
            f"Authorization header requires '{name}' parameter."
            for name in ("Credential", "Signature", "SignedHeaders")
            if not params.get(name)
        ]
        timestamp = _request_timestamp(request, problems)
        if problems or timestamp is None:
            raise AuthError(INCOMPLETE, " ".join(problems) + f" Authorization={authorization}")
        credential = params["Credential"]
        signed = params["SignedHeaders"]
        signature = params["Signature"]
        presigned = False
        expires: int | None = None
    else:
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            raise AuthError(
                INCOMPLETE,
                f"Unsupported AWS 'algorithm': '{query.get('X-Amz-Algorithm')}'.",
            )
        missing = [
            name
            for name in ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
            if not query.get(name)
        ]
        if missing:
            raise AuthError(
                INCOMPLETE,
                " ".join(f"AWS query-string parameters must include '{m}'." for m in missing)
                + " Re-examine the query-string parameters.",
            )
        credential = query["X-Amz-Credential"]
        signed = query["X-Amz-SignedHeaders"]
        signature = query["X-Amz-Signature"]
        timestamp = query["X-Amz-Date"]
        presigned = True
        raw_expires = query.get("X-Amz-Expires", "")
        if not _ASCII_DIGITS.fullmatch(raw_expires):
            raise AuthError(
                INCOMPLETE,
                "AWS query-string parameters must include 'X-Amz-Expires' as a number of "
                f"seconds. Got '{raw_expires}'.",
            )
        expires = int(raw_expires)
        if expires > MAX_PRESIGN_EXPIRES:
            raise AuthError(
                INCOMPLETE,
                f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES}",
            )
    if not _TIMESTAMP.fullmatch(timestamp):
        raise AuthError(
            INCOMPLETE,
            f"Date must be in ISO-8601 'basic format'. Got '{timestamp}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
        )
    access_key, date, region, service, terminator = _parse_credential(credential)
    names = [n.strip() for n in signed.split(";")]
    return _Parsed(
        access_key=access_key,
        date=date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=names,
        signature=signature,
        timestamp=timestamp,
        presigned=presigned,
        expires=expires,
        credential=credential,
    )


def _check_time(parsed: _Parsed, now: datetime) -> None:
    try:
        when = _parse_timestamp(parsed.timestamp)
    except ValueError:
        raise AuthError(
            INCOMPLETE,
            f"Date must be in ISO-8601 'basic format'. Got '{parsed.timestamp}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
        ) from None
    # Too far in the future is refused alike for headers and query strings (and cannot hold
    # together with either expiry below).
    if when - now > MAX_SKEW:
        earliest = (now + MAX_SKEW).strftime(TIMESTAMP_FORMAT)
        now_text = now.strftime(TIMESTAMP_FORMAT)
        raise AuthError(
            INVALID,
            f"Signature not yet current: {parsed.timestamp} is still later than "
            f"{earliest} ({now_text} + 5 min.)",
        )
    if parsed.presigned:
        assert parsed.expires is not None
        deadline = when + timedelta(seconds=parsed.expires)
        if now > deadline:
            now_text = now.strftime(TIMESTAMP_FORMAT)
            raise AuthError(
                INVALID,
                f"Signature expired: {deadline.strftime(TIMESTAMP_FORMAT)} is now earlier "
                f"than {now_text} ({now_text} - 0 min.)",
            )
    elif now - when > MAX_SKEW:
        limit = (now - MAX_SKEW).strftime(TIMESTAMP_FORMAT)
        now_text = now.strftime(TIMESTAMP_FORMAT)
        raise AuthError(
            INVALID,
            f"Signature expired: {parsed.timestamp} is now earlier than {limit} "
            f"({now_text} - 5 min.)",
        )


def _payload_hash(request: SignedRequest, parsed: _Parsed) -> str:
    declared = request.header("x-amz-content-sha256")
    actual = hashlib.sha256(request.body).hexdigest()
    if declared is not None:
        declared = declared.strip()
        if declared == UNSIGNED_PAYLOAD:
            # Not for KMS: the body's own hash goes into the canonical request, so a
            # signature made over "UNSIGNED-PAYLOAD" does not match (see the module text).
            return actual
        if not _HEX64.fullmatch(declared) or not hmac.compare_digest(declared, actual):
            raise AuthError(
                INVALID,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
        return declared
    # Presigned or not, services other than S3 sign the body's hash (botocore does too).
    return actual


def canonical_request(request: SignedRequest, parsed: _Parsed) -> str:
    pairs = _split_query(request.query)
    if parsed.presigned:
        pairs = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
    return "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.path),
            canonical_query(pairs),
            canonical_headers(request, parsed.signed_headers),
            ";".join(parsed.signed_headers),
            _payload_hash(request, parsed),
        ]
    )


def string_to_sign(parsed: _Parsed, canonical: str) -> str:
    scope = f"{parsed.date}/{parsed.region}/{parsed.service}/{parsed.terminator}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return "\n".join([ALGORITHM, parsed.timestamp, scope, digest])


@dataclass(frozen=True)
class Verified:
    """Who signed an accepted request, and for which Region and service."""

    access_key: str
    region: str
    service: str


def verify(
    request: SignedRequest,
    secret_for: Mapping[str, str] | Callable[[str], str | None],
    *,
    region: str | Callable[[str], bool],
    service: str = "kms",
    now: datetime | None = None,
) -> str:
    """Check the request's SigV4 signature; return the access key id that signed it.

    ``secret_for`` maps an access key id to its secret (a mapping or a lookup function).
    ``region`` is the Region the request must be scoped to, or a predicate that accepts the
    Regions this server answers. Raises :class:`AuthError` with AWS's code and message when
    the request is refused.
    """
    return verify_request(request, secret_for, region=region, service=service, now=now).access_key


def verify_request(
    request: SignedRequest,
    secret_for: Mapping[str, str] | Callable[[str], str | None],
    *,
    region: str | Callable[[str], bool],
    service: str = "kms",
    now: datetime | None = None,
) -> Verified:
    """Like :func:`verify`, and also says which Region the request is scoped to."""
    parsed = _parse(request)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if parsed.terminator != TERMINATOR:
        raise AuthError(
            INVALID,
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{parsed.terminator}'.",
        )
    _check_time(parsed, now)
    if parsed.date != parsed.timestamp[:8]:
        raise AuthError(
            INVALID,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{parsed.date}' != '{parsed.timestamp[:8]}', from "
            f"'{parsed.timestamp}'.",
        )
    if parsed.service != service:
        raise AuthError(INVALID, f"Credential should be scoped to correct service: '{service}'. ")
    region_ok = region(parsed.region) if callable(region) else parsed.region == region
    if not region_ok:
        raise AuthError(
            INVALID, f"Credential should be scoped to a valid region, not '{parsed.region}'. "
        )
    lowered = [n.lower() for n in parsed.signed_headers]
    if "host" not in lowered:
        raise AuthError(
            INVALID, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    if request.header("x-amz-security-token") is not None:
        # The sandbox issues no temporary credentials, so no session token is valid.
        raise AuthError(UNRECOGNIZED, "The security token included in the request is invalid.")
    secret = (
        secret_for(parsed.access_key) if callable(secret_for) else secret_for.get(parsed.access_key)
    )
    if secret is None:
        raise AuthError(UNRECOGNIZED, "The security token included in the request is invalid.")
    canonical = canonical_request(request, parsed)
    to_sign = string_to_sign(parsed, canonical)
    key = _derive_key(secret, parsed.date, parsed.region, parsed.service)
    expected = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), parsed.signature.encode("utf-8")):
        raise AuthError(
            INVALID,
            f"{SIGNATURE_MISMATCH_TEXT}\n\nThe Canonical String for this request should have "
            f"been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n",
        )
    return Verified(parsed.access_key, parsed.region, parsed.service)
