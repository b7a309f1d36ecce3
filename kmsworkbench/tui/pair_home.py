"""Where a saved pair belongs, as the library and the pair workbench show it: its
encryption context in the CLI's shorthand, whether the current backend's KMS can decrypt it
(by the key's partition, Region and account, not by the label of the backend that made it),
and the KMS key's alias when the loaded key list knows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmsworkbench.pairs import PairRecord
from kmsworkbench.service import format_context_for_cli

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp


def context_text(context: dict[str, str]) -> str:
    return format_context_for_cli(context) if context else "(none)"


def backend_labels(app: WorkbenchApp) -> set[str]:
    """The labels a pair generated on the current backend may carry (with the region the
    client uses, or before that was known)."""
    labels = {app.backend.label(app.region), app.backend.label(app.backend.region)}
    labels.add(app.backend.label(None))
    return labels


def _home_problem(record: PairRecord, app: WorkbenchApp) -> str | None:
    from kmsworkbench.service.pairhome import decrypt_home_problem

    return decrypt_home_problem(record.key_arn, app.account, app.region or app.backend.region)


def on_current_backend(record: PairRecord, app: WorkbenchApp) -> bool:
    """Whether this backend's KMS can decrypt the pair: decided by the key's partition,
    Region and account against the backend's (issue 9: the same sandbox reached through
    ``serve`` is the same KMS), not by the label of the backend that made it. Until the
    account is known, a pair made under this very label counts as at home."""
    if record.backend in backend_labels(app) and app.account is None:
        return True
    return _home_problem(record, app) is None


def other_backend_note(record: PairRecord, app: WorkbenchApp) -> str:
    problem = _home_problem(record, app) or "it was made on another backend"
    return (
        f"Made on {record.backend}: {problem}. This app talks to "
        f"{app.backend.label(app.region)}. F2 switches the backend."
    )


def key_label(record: PairRecord, app: WorkbenchApp) -> str:
    """The KMS key's alias when the key list (already loaded, no call made) knows it, else
    its key id."""
    from kmsworkbench.tui.screens.keys import KeyChooserScreen

    for screen in app.screen_stack:
        if isinstance(screen, KeyChooserScreen):
            info = screen.index.find(record.key_arn)
            if info is not None and info.aliases:
                return info.aliases[0]
    return record.key_arn.rsplit("/", 1)[-1] if ":key/" in record.key_arn else record.key_arn
