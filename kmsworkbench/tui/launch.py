"""The TUI's entry point, ``run(args)``, which ``cli.py`` calls with no command: the backend
(the command line's, else the one remembered in the settings), then the app
(:func:`start_app`), which refuses to start on a damaged sandbox store.

Nothing here imports Textual: :func:`start_app` begins listing the keys first, in a child
process where one can run (service/key_loading_process.py; else on a thread), and only then
imports the app, so botocore's import, the client and the first ListKeys and ListAliases
pages go on, on another core, while Textual is imported (a third of a second) and the first
screen is laid out."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kmsworkbench import config
from kmsworkbench.service import Backend

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp


def _backend_option_given(args: argparse.Namespace) -> bool:
    names = ("data_dir", "endpoint_url", "aws", "profile", "region")
    return any(getattr(args, n, None) for n in names) or bool(
        os.environ.get("AWS_ENDPOINT_URL_KMS")
    )


def backend_from_settings(args: argparse.Namespace, settings: config.Settings) -> Backend:
    """``Backend.from_args(args)``; when no backend option was given, the remembered one."""
    if _backend_option_given(args):
        return Backend.from_args(args)
    saved = settings.backend
    remembered = argparse.Namespace(**vars(args))
    if saved.kind == "aws":
        remembered.aws = True
        remembered.profile = saved.profile
        remembered.region = saved.region
    elif saved.kind == "endpoint" and saved.endpoint_url:
        remembered.endpoint_url = saved.endpoint_url
        remembered.profile = saved.profile
        remembered.region = saved.region
    else:
        remembered.data_dir = saved.data_dir
        remembered.region = saved.region
    return Backend.from_args(remembered)


def run(args: argparse.Namespace) -> int:
    """Start the TUI (``kmsworkbench`` with no command). Returns the exit code."""
    from kmsworkbench.service.key_loading_process import StoreProblem

    settings = config.load()
    backend = backend_from_settings(args, settings)
    lessons = getattr(args, "lessons", None)
    try:
        app = start_app(
            backend, settings, lessons_dir=Path(lessons) if lessons else None, check_store=True
        )
    except StoreProblem as exc:  # never start on a damaged sandbox store
        sys.stderr.write(f"kmsworkbench: {exc}\n")
        return 1
    result = app.run()
    return int(result or 0)


def start_app(
    backend: Backend,
    settings: config.Settings,
    *,
    persist_settings: bool = True,
    lessons_dir: Path | None = None,
    check_store: bool = False,
) -> WorkbenchApp:
    """The app for ``backend``, its key list already being fetched (the key screen takes
    the listing over when it mounts; service/key_loading_process.py's start_key_listing).
    With ``check_store``, raises StoreProblem for a damaged sandbox store: checked by the
    listing's child before it opens the store, while Textual is imported here."""
    from kmsworkbench.service import KmsSession
    from kmsworkbench.service.key_loading_process import (
        HAND_OVER_AFTER,
        StoreProblem,
        start_key_listing,
    )

    session = KmsSession(backend)
    listing = start_key_listing(session, check_store=check_store, hand_over=HAND_OVER_AFTER)
    from kmsworkbench.tui.app import WorkbenchApp

    problem = listing.store_problem()  # the child's check, made while Textual was imported
    if problem is not None:
        listing.cancel()
        session.close()
        raise StoreProblem(problem)

    return WorkbenchApp(
        backend=backend,
        settings=settings,
        persist_settings=persist_settings,
        lessons_dir=lessons_dir,
        key_listing=listing,
    )
