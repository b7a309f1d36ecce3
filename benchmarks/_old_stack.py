"""Serve today's sandbox through the hand-written ``http.server`` front end that uvicorn
replaced: that commit's ``sandbox/server.py``, loaded from a file, over today's ``Sandbox``.
The two HTTP stacks then do the same KMS work per request (today's authorization and trail
record included), so what is compared is the stack, not what the sandbox learned since.

    python benchmarks/_old_stack.py OLD_SERVER_PY DATA_DIR

Prints ``listening on http://127.0.0.1:PORT`` as ``kmsworkbench serve`` does, logs one line
per request to stderr as it does, and stops gracefully on SIGTERM.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path


def main() -> int:
    old_server_py, data_dir = Path(sys.argv[1]), Path(sys.argv[2])
    spec = importlib.util.spec_from_file_location("kmsworkbench_old_http_server", old_server_py)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {old_server_py}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)

    from kmsworkbench.commands.serve import _RequestLogFormatter
    from kmsworkbench.sandbox import Sandbox

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RequestLogFormatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("kmsworkbench.sandbox.server")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False

    sandbox = Sandbox.open(data_dir, None)
    try:
        module.serve_app_forever(
            sandbox,
            "127.0.0.1",
            0,
            on_ready=lambda url: print(f"listening on {url}", flush=True),
        )
    finally:
        sandbox.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
