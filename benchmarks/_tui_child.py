"""The headless TUI the TUI figures run, one fresh interpreter per run:

    python _tui_child.py MODE START FOLDER [ENDPOINT_URL]

MODE ``load``: the key list of FOLDER (or of ENDPOINT_URL, with the credentials in the
environment) until every key is described; prints ``FIRST-ROWS t`` and ``ALL-DESCRIBED t``
(seconds since START, the parent's ``time.time()`` just before it started this process,
then this process's CPU seconds so far).
MODE ``first``: prints ``FIRST-ROWS`` and ends there.
MODE ``memory``: then prints ``RSS-MB app children pss`` twice, once all is described (the
key listing's child may still run) and once the child has ended (``SETTLED-MB``, up to 15 s
later): this process's resident set, its children's, and the proportional set size of all
(pages a fork shares with this process counted once, split between the two).

The app is made as ``kmsworkbench`` makes it (tui/launch.py's ``start_app``: the key listing
begins before Textual is imported), so Textual's import comes after that, as for a user."""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from pathlib import Path

from kmsworkbench import config
from kmsworkbench.service import Backend
from kmsworkbench.tui.launch import start_app


def cpu_s() -> float:
    """CPU seconds of this process so far (user + system; a wall time on a shared machine
    says more about the others than about us)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _kb(path: Path, field: str) -> float:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field):
                return float(line.split()[1])
    except OSError:  # the process ended meanwhile
        pass
    return 0.0


def children() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def memory_mb() -> tuple[float, float, float]:
    """(this process's RSS, its children's RSS, the PSS of all), in MB."""
    own = _kb(Path("/proc/self/status"), "VmRSS:")
    kids = children()
    theirs = sum(_kb(Path(f"/proc/{pid}/status"), "VmRSS:") for pid in kids)
    pss = sum(_kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss:") for pid in ["self", *kids])
    return own / 1024.0, theirs / 1024.0, pss / 1024.0


def print_memory(label: str) -> None:
    own, theirs, pss = memory_mb()
    print(f"{label} {own:.1f} {theirs:.1f} {pss:.1f}", flush=True)


async def main(mode: str, start: float, folder: str, url: str) -> None:
    backend = (
        Backend(kind="endpoint", endpoint_url=url)
        if url
        else Backend(kind="sandbox", data_dir=Path(folder))
    )
    app = start_app(backend, config.Settings(), persist_settings=False)
    from kmsworkbench.tui.screens.keys import KeyChooserScreen
    from kmsworkbench.tui.widgets.key_table import KeyTable

    async with app.run_test(size=(120, 40)) as pilot:
        first = False
        deadline = time.time() + 900
        while time.time() < deadline:
            await pilot.pause(0.005)
            screen = app.screen
            if not isinstance(screen, KeyChooserScreen):
                continue
            if not first and screen.query_one(KeyTable).row_count:
                first = True
                print(f"FIRST-ROWS {time.time() - start:.4f} {cpu_s():.4f}", flush=True)
                if mode == "first":
                    return
            keys = screen.index.all()
            if (
                first
                and not screen.loading_keys
                and keys
                and all(k.described or k.error for k in keys)
            ):
                print(
                    f"ALL-DESCRIBED {time.time() - start:.4f} {len(keys)} {cpu_s():.4f}",
                    flush=True,
                )
                break
        else:
            raise SystemExit("the key list never finished loading")
        if mode == "memory":
            await pilot.pause(0.2)
            print_memory("RSS-MB")
            settle = time.time() + 15
            while children() and time.time() < settle:
                await pilot.pause(0.1)
            await pilot.pause(0.5)
            print_memory("SETTLED-MB")


if __name__ == "__main__":
    args = sys.argv[1:] + [""]
    asyncio.run(main(args[0], float(args[1]), args[2], args[3]))
