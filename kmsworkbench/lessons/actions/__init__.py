"""The actions a lesson step can run, by name. Importing this package registers them all."""

from __future__ import annotations

from . import access, formats, kms, local, rotation  # noqa: F401  (registration)
from .base import ACTIONS, ActionSpec, Params

__all__ = ["ACTIONS", "ActionSpec", "Params"]
