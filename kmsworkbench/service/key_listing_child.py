"""The start-up key listing's child process (service/key_loading_process.py explains why it
exists and what the app's process does with its lines): it checks the sandbox store if asked,
lists and describes every key, writes what happens to its stdout, then answers the app's
read-only calls until its stdin closes."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import asdict
from typing import IO, Any

from kmsworkbench.service.errors import KmsError
from kmsworkbench.service.journal import JournalEntry
from kmsworkbench.service.key_listing_wire import (
    REMOTE_OPERATIONS,
    dumps,
    error_fields,
    key_fields,
    loads,
    read_start_line,
)
from kmsworkbench.service.key_loading import load_keys
from kmsworkbench.service.session import KmsSession


def child_main(stdin: IO[str], stdout: IO[str]) -> int:
    """The child: read the backend, check its store if asked (before anything opens it),
    list and describe every key, write what happens; then answer the parent's read-only
    calls (:data:`REMOTE_OPERATIONS`) until its stdin closes."""
    backend, check_store = read_start_line(stdin.readline())
    write_lock = threading.Lock()
    listing_done = threading.Event()
    parent_gone = threading.Event()

    def send(message: dict[str, Any]) -> None:
        line = dumps(message) + "\n"
        with write_lock:
            try:
                stdout.write(line)
                stdout.flush()
            except (BrokenPipeError, ValueError, OSError):  # the parent is gone
                os._exit(0)

    if check_store:
        problem = backend.store_problem()
        send({"k": "store", "problem": problem})
        if problem is not None:  # nothing may open it: the app will not start
            send({"k": "done"})
            return 0
    session = KmsSession(backend)

    def answer(request: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"k": "reply", "id": request["id"]}
        operation = str(request["op"])
        if operation not in REMOTE_OPERATIONS:  # never a call that could carry a secret
            reply["failure"] = f"{operation} is not answered by the key listing process"
        else:
            try:
                reply["response"] = session.call(operation, **request["params"])
            except KmsError as exc:
                reply["error"] = error_fields(exc)
            except Exception as exc:
                reply["failure"] = f"{type(exc).__name__}: {exc}"
        send(reply)

    def watch_parent() -> None:
        for line in stdin:  # the parent's calls, until it closes its end (quit or cancel)
            threading.Thread(target=answer, args=(loads(line),), daemon=True).start()
        if not listing_done.is_set():
            os._exit(0)  # nothing to finish: the parent no longer wants the list
        parent_gone.set()

    threading.Thread(target=watch_parent, name="kms-parent-watch", daemon=True).start()

    def journaled(entry: JournalEntry) -> None:
        send({"k": "journal", "e": asdict(entry), "sandbox": session._sandbox_server})

    session.journal.subscribe(journaled)

    def listed() -> None:
        send({"k": "alias_map", "map": session._aliases or {}})
        send({"k": "listed"})

    try:
        load_keys(
            session,
            lambda batch: send(
                {
                    "k": "batch",
                    "keys": [key_fields(i) for i in batch],
                    "region": session.known_region(),
                }
            ),
            lambda info: send({"k": "described", "key": key_fields(info)}),
            on_listed=listed,
            on_aliases=lambda keys: send(
                {"k": "aliases", "keys": [[i.key_id, i.aliases] for i in keys]}
            ),
        )
    except KmsError as exc:
        send({"k": "error", "error": error_fields(exc)})
    except Exception as exc:  # handed to the parent, shown there like any failure
        send({"k": "failure", "text": f"{type(exc).__name__}: {exc}"})
    listing_done.set()
    send({"k": "done"})
    parent_gone.wait()
    session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(child_main(sys.stdin, sys.stdout))
