"""Seeing inside key formats and ciphertext blobs, for teaching: an ASN.1 tree of a public or
private key with every field named (secrets masked), and the sandbox's blob labelled byte by
byte. Below the TUI; no Textual here."""

from .asn1 import Node, private_key_tree, public_key_tree, render_tree
from .blobview import BlobField, explain_blob

__all__ = [
    "BlobField",
    "Node",
    "explain_blob",
    "private_key_tree",
    "public_key_tree",
    "render_tree",
]
