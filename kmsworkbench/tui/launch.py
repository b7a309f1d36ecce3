"""The TUI's entry point, ``run(args)``, which ``cli.py`` calls with no command: the backend
(the command line's, else the one remembered in the settings), a refusal to start on a
damaged sandbox store, then the app."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kmsworkbench import config
from kmsworkbench.service import Backend


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
    settings = config.load()
    backend = backend_from_settings(args, settings)
    problem = backend.store_problem()
    if problem is not None:  # never start on a damaged sandbox store
        sys.stderr.write(f"kmsworkbench: {problem}\n")
        return 1
    from kmsworkbench.tui.app import WorkbenchApp

    lessons = getattr(args, "lessons", None)
    app = WorkbenchApp(
        backend=backend, settings=settings, lessons_dir=Path(lessons) if lessons else None
    )
    result = app.run()
    return int(result or 0)
