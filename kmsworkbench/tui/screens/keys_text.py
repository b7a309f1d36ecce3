"""Text of the key chooser that needs no widget: a key's metadata for the detail pane, the
account of a typed ARN, and who owns an alias."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from kmsworkbench.service import KeyInfo, KmsError, KmsSession


def other_account(reference: str, account: str | None) -> str | None:
    """The account of an ARN that is not ``account`` (None: this account, or not an ARN)."""
    parts = reference.strip().split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[4] and parts[4] != account:
        return parts[4]
    return None


def alias_owner(session: KmsSession, alias: str) -> str | None:
    """The key id an alias names, or None when the alias is free (DescribeKey answers
    NotFoundException)."""
    try:
        return session.describe_key(alias).key_id
    except KmsError as error:
        if error.code == "NotFoundException":
            return None
        raise


def metadata_text(info: KeyInfo) -> Text:
    """Every KeyMetadata field, as DescribeKey returned it, plus aliases and eligibility."""
    text = Text()
    text.append((info.aliases[0] if info.aliases else info.key_id) + "\n", style="bold")
    if info.eligible:
        text.append("✓ can wrap a data key pair\n", style="bold")
    elif info.eligible is False:
        text.append(f"✗ cannot wrap a data key pair: {info.ineligible_reason}\n", style="bold")
    else:
        text.append("… being described\n", style="italic")
    text.append("\nAliases: ", style="bold")
    text.append(", ".join(info.aliases) if info.aliases else "none")
    text.append("\n")
    if info.metadata is None:
        text.append("KeyId: ", style="bold")
        text.append(info.key_id + "\n")
        text.append("Arn: ", style="bold")
        text.append(info.arn + "\n")
        if info.error:
            text.append("DescribeKey failed: ", style="bold")
            text.append(info.error + "\n")
        return text
    for name, value in info.metadata.items():
        text.append(f"{name}: ", style="bold")
        text.append(_format_value(value) + "\n")
    return text


def _format_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, list):
        return ", ".join(_format_value(v) for v in value) if value else "[]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) or "{}"
    return str(value)
