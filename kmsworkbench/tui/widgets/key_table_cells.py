"""What the key table shows in each cell, and which columns fit a width.

The first column (the key's name: its aliases, or its key ID in italics) stays in place while the others
scroll sideways. Aliases are shown without their "alias/" prefix, as the KMS console
lists them. Columns have an ideal and a smallest width; :func:`fit_columns` gives the
first columns (the name, whether the key wraps pairs, state, spec, usage) what the table's
width allows, so that at 80 columns all five are on screen at once, and the rest (key ID,
origin, description) come into view with Right, one column per press. A token longer than
its column is shortened in the middle (``payments…-prod``): both ends stay readable and
the detail pane beside the table shows the whole value.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.text import Text

from kmsworkbench.service import KeyInfo


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    ideal: int
    smallest: int
    middle: bool = True  # shorten in the middle (a token); False: at the end (prose)


COLUMNS: tuple[Column, ...] = (
    Column("alias", "Alias or key ID", 30, 14),
    Column("wraps", "Wraps pairs?", 19, 16, middle=False),
    Column("state", "State", 15, 8),
    Column("spec", "Key spec", 17, 17),
    Column("usage", "Usage", 19, 15),
    Column("key_id", "Key ID", 36, 36),
    Column("origin", "Origin · manager", 29, 29),
    Column("description", "Description", 40, 40, middle=False),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
FITTED = 5  # the first five columns share the width; the others keep their ideal width
GAP = 1  # blank cells after each column


def shorten(text: str, width: int, *, middle: bool = True) -> str:
    """``text`` in at most ``width`` cells: cut in the middle (or at the end) with "…"."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    if width == 1:
        return "…"
    if not middle:
        return text[: width - 1] + "…"
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def fit_columns(width: int) -> list[int]:
    """The width of each column for a table ``width`` cells wide. The fitted columns start
    at their smallest and grow toward their ideal, in order, while there is room."""
    widths = [c.ideal for c in COLUMNS]
    fitted = COLUMNS[:FITTED]
    smallest = sum(c.smallest for c in fitted) + GAP * (len(fitted) - 1)
    room = width - smallest
    for i, column in enumerate(fitted):
        widths[i] = column.smallest
    # Grow the name first (it is what people read), then the others in order.
    for i, column in enumerate(fitted):
        if room <= 0:
            break
        grow = min(room, column.ideal - column.smallest)
        widths[i] += grow
        room -= grow
    return widths


def short_reason(info: KeyInfo) -> str:
    """A few words for the table, in the order of :attr:`KeyInfo.ineligible_reason` (the
    detail pane has the full reason)."""
    if info.metadata is None:
        return "describe failed" if info.error else ""
    usage, spec = info.key_usage, info.key_spec or ""
    if usage == "SIGN_VERIFY":
        return "signing key"  # RSA, ECC, ML-DSA, SM2 signing keys
    if usage == "GENERATE_VERIFY_MAC" or spec.startswith("HMAC_"):
        return "HMAC key"
    if usage == "KEY_AGREEMENT":
        return "key agreement key"
    if usage == "ENCAPSULATE_DECAPSULATE" or spec.startswith("ML_KEM_"):
        return "KEM key"  # ML-KEM: key encapsulation, not encryption
    if spec and spec != "SYMMETRIC_DEFAULT":
        return "asymmetric key"  # RSA or SM2 with ENCRYPT_DECRYPT
    if usage not in (None, "ENCRYPT_DECRYPT"):
        return f"usage {usage}"
    if info.origin in ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE") or (
        info.metadata.get("CustomKeyStoreId")
    ):
        return "custom key store"
    if info.key_manager == "AWS":
        return "AWS managed"
    state = info.key_state or ""
    if state.startswith("Pending") and "Deletion" in state:
        return "pending deletion"
    if state == "Disabled" or info.metadata.get("Enabled") is False:
        return "disabled"
    return state or (info.ineligible_reason or "no")


def wraps_cell(info: KeyInfo) -> Text:
    if not info.described:
        if info.error is None:
            return Text("describing…", style="dim italic")
        return Text("✗ describe failed", style="dim")
    if info.eligible:
        return Text("✓ yes", style="bold")
    return Text("✗ " + short_reason(info), style="dim")


def _bare(alias: str) -> str:
    """An alias without its "alias/" prefix, as the KMS console lists aliases (the column
    says what it is; the detail pane and the filter have the whole name)."""
    return alias[len("alias/") :] if alias.startswith("alias/") else alias


def cell_values(info: KeyInfo) -> dict[str, str]:
    """The full text of each column for one key (before any shortening)."""
    return {
        "alias": ", ".join(_bare(a) for a in info.aliases) if info.aliases else info.key_id,
        "wraps": wraps_cell(info).plain,
        "key_id": info.key_id,
        "state": info.key_state or "",
        "spec": info.key_spec or "",
        "usage": info.key_usage or "",
        "origin": " · ".join(x for x in (info.origin, info.key_manager) if x) or "",
        "description": info.description,
    }


def cell(info: KeyInfo, column: str) -> Text:
    """One cell, full length, styled: an ineligible key is dimmed."""
    if column == "wraps":
        return wraps_cell(info)
    dim = "dim" if info.eligible is False else ""
    return Text(cell_values(info)[column], style=dim, no_wrap=True)


def row_cells(info: KeyInfo, widths: list[int]) -> list[tuple[str, str]]:
    """The cells of one key, each shortened and padded to its column's width (in cells: a
    wide character counts two), with its style: (text, style)."""
    values = cell_values(info)
    dim = "dim" if info.eligible is False else ""
    wraps = wraps_cell(info)
    cells: list[tuple[str, str]] = []
    for column, width in zip(COLUMNS, widths, strict=True):
        style = str(wraps.style) if column.key == "wraps" else dim
        if column.key == "alias" and not info.aliases:
            style = f"{dim} italic"  # a key without alias: its key ID names it
        value = shorten(values[column.key], width, middle=column.middle)
        cells.append((set_cell_size(value, width), style))
    return cells


def header_cells(widths: list[int]) -> list[tuple[str, str]]:
    """The header line's cells (the table styles the whole line)."""
    return [
        (set_cell_size(column.label, width), "")
        for column, width in zip(COLUMNS, widths, strict=True)
    ]
