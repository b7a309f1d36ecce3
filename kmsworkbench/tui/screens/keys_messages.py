"""The messages of the key chooser: from its workers (listing, describing, key details,
key changes) to the screen, which applies them on the UI thread."""

from __future__ import annotations

from textual.message import Message

from kmsworkbench.service import KeyInfo, KmsError
from kmsworkbench.service.key_details import KeyDetails


class KeysArrived(Message):
    def __init__(self, token: int, keys: list[KeyInfo]) -> None:
        super().__init__()
        self.token = token
        self.keys = keys


class ListingDone(Message):
    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class DetailsReady(Message):
    """DescribeKey answers are waiting in the screen's queue (one message per burst)."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class DescribingDone(Message):
    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class KeyDetailsFetched(Message):
    """Rotation and key policy of one key, for the detail pane."""

    def __init__(self, details: KeyDetails) -> None:
        super().__init__()
        self.details = details


class KeyChanged(Message):
    """A key was created or its state changed; ``info`` is its fresh description."""

    def __init__(self, info: KeyInfo, notice: str) -> None:
        super().__init__()
        self.info = info
        self.notice = notice


class AliasTaken(Message):
    """The alias asked for names another key already; nothing was created."""

    def __init__(self, alias: str, owner: str, description: str) -> None:
        super().__init__()
        self.alias = alias
        self.owner = owner
        self.description = description


class AliasFailed(Message):
    """CreateKey worked, CreateAlias did not: a key without an alias exists."""

    def __init__(self, info: KeyInfo, alias: str, error: KmsError) -> None:
        super().__init__()
        self.info = info
        self.alias = alias
        self.error = error


class TypedKeyDescribed(Message):
    def __init__(self, reference: str, info: KeyInfo) -> None:
        super().__init__()
        self.reference = reference
        self.info = info
