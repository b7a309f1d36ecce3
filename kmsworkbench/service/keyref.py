"""The forms a KMS key can be named in: key ID, multi-Region key ID, key ARN, alias name and
alias ARN (the KeyId parameter of GenerateDataKeyPair, Decrypt and DescribeKey)."""

from __future__ import annotations

import re

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_MRK = r"mrk-[0-9a-fA-F]{32}"
_KEY_ID = re.compile(rf"(?:{_UUID}|{_MRK})")
_ALIAS_NAME = re.compile(r"alias/[a-zA-Z0-9/_-]+")
_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):kms:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+):"
    r"(?P<account>\d{12}):(?P<resource>.+)"
)

EXPECTED_FORMS = (
    "a key ID (1234abcd-12ab-34cd-56ef-1234567890ab), a multi-Region key ID (mrk-...), "
    "a key ARN (arn:aws:kms:us-east-1:111122223333:key/...), an alias name (alias/my-key) "
    "or an alias ARN (arn:aws:kms:us-east-1:111122223333:alias/my-key)"
)


def validate_key_reference(text: str) -> str | None:
    """None when ``text`` is a well-formed key reference; otherwise a message saying what is
    wrong and which forms are expected."""
    value = text.strip()
    if not value:
        return f"A key is needed: {EXPECTED_FORMS}."
    if value != text:
        return "The key reference has spaces around it; remove them."
    if len(value) > 2048:
        return "A key reference is at most 2048 characters."
    if _KEY_ID.fullmatch(value):
        return None
    if value.startswith("alias/"):
        if value.startswith("alias/aws/") and len(value) > len("alias/aws/"):
            return None  # an AWS managed key's alias is well formed (if not usable)
        if len(value) > 256:
            return "An alias name is at most 256 characters."
        if _ALIAS_NAME.fullmatch(value) and value != "alias/":
            return None
        return (
            f"An alias name is alias/ followed by letters, digits, '/', '_' or '-' (got {value!r})."
        )
    if value.startswith("arn:"):
        m = _ARN.fullmatch(value)
        if m is None:
            return (
                "That ARN is malformed: expected arn:<partition>:kms:<region>:<12-digit "
                "account>:key/<key id> or ...:alias/<name>."
            )
        resource = m.group("resource")
        if resource.startswith("key/"):
            if _KEY_ID.fullmatch(resource[4:]):
                return None
            return "The key ARN ends in key/ followed by a key ID (a UUID or mrk-...)."
        if resource.startswith("alias/"):
            if _ALIAS_NAME.fullmatch(resource) and len(resource) <= 256:
                return None
            return "The alias ARN ends in alias/ followed by letters, digits, '/', '_' or '-'."
        return "A KMS ARN names a key (…:key/<id>) or an alias (…:alias/<name>)."
    if re.fullmatch(r"[0-9a-fA-F-]{8,}", value):
        return f"That looks like a truncated key ID. Expected {EXPECTED_FORMS}."
    return f"Not a key reference. Expected {EXPECTED_FORMS}; an alias name starts with alias/."


def arn_region(text: str) -> str | None:
    """The Region named in a KMS key or alias ARN, or None if ``text`` is not one."""
    m = _ARN.fullmatch(text.strip())
    return m.group("region") if m else None


def arn_partition(text: str) -> str | None:
    m = _ARN.fullmatch(text.strip())
    return m.group("partition") if m else None


def is_key_arn(text: str) -> bool:
    m = _ARN.fullmatch(text.strip())
    return bool(m and m.group("resource").startswith("key/"))


def key_id_from_arn(text: str) -> str:
    """The key ID of a key ARN; the text unchanged if it is not a key ARN."""
    m = _ARN.fullmatch(text.strip())
    if m and m.group("resource").startswith("key/"):
        return m.group("resource")[4:]
    return text
