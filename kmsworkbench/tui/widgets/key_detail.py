"""The key chooser's detail pane: DescribeKey's metadata (``#key-detail``), then a summary of
where the key's material lives and its role across Regions, its rotation status and
history, and its key policy, read-only (``#key-extra``, filled once fetched)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from kmsworkbench.service import KeyInfo
from kmsworkbench.service.key_details import KeyDetails


def _when(value: datetime | None) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value else "-"


def _heading(text: Text, title: str) -> None:
    text.append(f"\n{title}\n", style="bold underline")


def origin_text(info: KeyInfo) -> Text:
    """Origin, custom key store and multi-Region role, in words."""
    md = info.metadata or {}
    text = Text()
    _heading(text, "Key material")
    origin = md.get("Origin", "-")
    where = {
        "AWS_KMS": "made by KMS",
        "EXTERNAL": "imported (EXTERNAL)",
        "AWS_CLOUDHSM": "in a CloudHSM key store",
        "EXTERNAL_KEY_STORE": "in an external key store",
    }.get(str(origin), str(origin))
    text.append("Origin: ", style="bold")
    text.append(f"{origin} ({where})\n")
    if md.get("CustomKeyStoreId"):
        text.append("Custom key store: ", style="bold")
        text.append(f"{md['CustomKeyStoreId']}\n")
    if md.get("CurrentKeyMaterialId"):
        text.append("Current key material: ", style="bold")
        text.append(f"{md['CurrentKeyMaterialId']}\n")
    config = md.get("MultiRegionConfiguration")
    if md.get("MultiRegion") and isinstance(config, dict):
        role = str(config.get("MultiRegionKeyType", "?")).lower()
        primary = config.get("PrimaryKey") or {}
        replicas = [str(r.get("Region")) for r in config.get("ReplicaKeys") or []]
        text.append("Multi-Region: ", style="bold")
        text.append(f"{role} key; primary in {primary.get('Region', '?')}")
        text.append(f"; replicas in {', '.join(replicas)}\n" if replicas else "; no replicas\n")
    return text


def rotation_text(details: KeyDetails, *, can_rotate_now: bool) -> Text:
    text = Text()
    _heading(text, "Rotation")
    if details.rotation_note:
        text.append(details.rotation_note + "\n", style="italic")
        return text
    if details.rotation_enabled:
        text.append("Automatic: ", style="bold")
        text.append(
            f"every {details.rotation_period_days} days, next {_when(details.next_rotation)}\n"
        )
    else:
        text.append("Automatic: ", style="bold")
        text.append("off\n")
    for rotation in details.rotations:
        how = rotation.rotation_type or "first material"
        mark = "● " if rotation.state == "CURRENT" else "○ "
        text.append(mark)
        text.append(rotation.material_id[:16] + "…", style="bold")
        when = f"  {_when(rotation.date)}" if rotation.date else ""
        text.append(f"  {how}{when}  {rotation.state}\n")
    if details.rotated:
        text.append("Older material still decrypts what was made under it.\n", style="italic")
    if can_rotate_now:
        text.append("R rotates the key material now.\n", style="italic")
    return text


def policy_text(details: KeyDetails) -> Text:
    text = Text()
    _heading(text, "Key policy (default)")
    if details.policy is None:
        text.append((details.policy_note or "not available") + "\n", style="italic")
    else:
        text.append(details.policy + "\n")
    return text


class KeyDetailPane(VerticalScroll):
    """Scrollable detail of the highlighted key."""

    def compose(self) -> ComposeResult:
        yield Static("", id="key-detail")
        yield Static("", id="key-extra")

    def show(self, summary: Text | str, info: KeyInfo | None) -> None:
        """The metadata part; the rest waits for :meth:`show_details`."""
        self.query_one("#key-detail", Static).update(summary)
        extra = self.query_one("#key-extra", Static)
        if info is None or info.metadata is None:
            extra.update("")
            return
        text = origin_text(info)
        text.append("\nFetching rotation and key policy…\n", style="italic")
        extra.update(text)

    def show_details(self, info: KeyInfo, details: KeyDetails, *, can_rotate_now: bool) -> None:
        text = origin_text(info)
        text.append_text(rotation_text(details, can_rotate_now=can_rotate_now))
        text.append_text(policy_text(details))
        self.query_one("#key-extra", Static).update(text)


def current_material_of(key_arn: str, screens: list[object]) -> str | None:
    """The KMS key's CurrentKeyMaterialId as the loaded key list knows it (no call made)."""
    from kmsworkbench.tui.screens.keys import KeyChooserScreen

    for screen in screens:
        if isinstance(screen, KeyChooserScreen):
            info = screen.index.find(key_arn)
            if info is not None and info.metadata:
                value = info.metadata.get("CurrentKeyMaterialId")
                return str(value) if value else None
    return None


def rotated_since_note(made_under: str | None, current: str | None) -> str | None:
    """What a saved pair's KeyMaterialId says once its KMS key has rotated."""
    if not made_under or not current or made_under == current:
        return None
    return (
        f"yes: the key's material is now {current[:16]}…; this pair still decrypts "
        "(KMS keeps the material it was made under)"
    )
