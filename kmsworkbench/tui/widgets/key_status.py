"""The "private key in memory" indicator of the pair workbench: one docked line that says,
always, whether the plaintext private key of the pair is held, whether it matched the stored
public key, and which key forgets it. It shows facts about the key, never the key."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kmsworkbench.tui.keyholder import PrivateKeyHolder


def status_text(holder: PrivateKeyHolder, *, decrypting: bool = False) -> Text:
    text = Text()
    if decrypting:
        text.append("⋯ Decrypting the private key with KMS Decrypt", style="bold")
        return text
    if not holder.held:
        text.append("Private key: not in memory", style="bold")
        text.append(" (encrypted under the KMS key) · Ctrl+O decrypts it")
        return text
    text.append("PRIVATE KEY IN MEMORY", style="bold")
    text.append(f" · {holder.spec}")
    if holder.matches is True:
        text.append(" · keys match ✓")
    elif holder.matches is False:
        text.append(" · DOES NOT MATCH the public key ✗", style="bold")
    text.append(" · Ctrl+F forgets it")
    return text


class PrivateKeyStatus(Static):
    """Shows the state of a :class:`PrivateKeyHolder`; ``-held`` / ``-mismatch`` classes
    let the stylesheet make the held state impossible to miss."""

    def __init__(self, holder: PrivateKeyHolder, *, id: str | None = None) -> None:
        super().__init__(status_text(holder), id=id, markup=False)
        self.holder = holder

    def refresh_status(self, *, decrypting: bool = False) -> None:
        held = self.holder.held and not decrypting
        self.update(status_text(self.holder, decrypting=decrypting))
        self.set_class(held, "-held")
        self.set_class(held and self.holder.matches is False, "-mismatch")
        self.set_class(decrypting, "-busy")
