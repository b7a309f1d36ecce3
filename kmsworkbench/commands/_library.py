"""The library of pairs as the headless commands open it: one place for the folder and for
the error a missing name gives."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kmsworkbench import paths
from kmsworkbench.cli import UsageError

if TYPE_CHECKING:
    from kmsworkbench.pairs import PairLibrary, PairRecord


def open_library(args: argparse.Namespace) -> PairLibrary:
    """The library in the data folder ``--data-dir`` (or KMSWORKBENCH_HOME, ...) names."""
    from kmsworkbench.pairs import PairLibrary

    return PairLibrary(paths.data_dir(getattr(args, "data_dir", None)))


def get_pair(library: PairLibrary, name: str) -> PairRecord:
    """The pair called ``name``; a UsageError that says how to list them when there is none."""
    from kmsworkbench.pairs import BundleError

    try:
        return library.get(name)
    except KeyError:
        raise UsageError(
            f"No pair named {name!r} in the library (kmsworkbench pairs list)."
        ) from None
    except (BundleError, OSError) as exc:
        raise UsageError(
            f"The pair {name!r} is damaged in the library: {exc}. 'kmsworkbench pairs check' "
            "lists every damaged file; import the pair again from a bundle if you have one."
        ) from None
