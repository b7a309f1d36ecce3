"""Write the README pictures: SVGs of the main screens (and PNGs when cairosvg is installed)
into screenshots/, made from the real app on a sandbox seeded in a temporary folder.

No screen that could show decrypted key material is ever captured: the pictures are the key
chooser, the generate form, the generated pair (public key and *encrypted* private key only),
the activity log and help.

    python scripts/screenshots.py [--out screenshots] [--size 120x36] [--theme textual-dark]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def shoot(out: Path, size: tuple[int, int], theme: str) -> list[Path]:
    from kmsworkbench import config
    from kmsworkbench.service import Backend
    from kmsworkbench.tui.app import WorkbenchApp
    from kmsworkbench.tui.screens.keys import KeyChooserScreen
    from kmsworkbench.tui.widgets.context_editor import ContextEditor
    from kmsworkbench.tui.widgets.key_table import KeyTable

    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kmswb-shots-") as tmp:
        # A home of its own, so the header shows ~/.local/share/kmsworkbench and no path of
        # the machine that made the pictures.
        os.environ["HOME"] = tmp
        os.environ["KMSWORKBENCH_HOME"] = str(Path(tmp) / ".config" / "kmsworkbench-shots")
        backend = Backend(kind="sandbox", data_dir=Path(tmp) / ".local" / "share" / "kmsworkbench")
        app = WorkbenchApp(backend, settings=config.Settings(theme=theme), persist_settings=False)
        async with app.run_test(size=size) as pilot:

            async def settle() -> None:
                for _ in range(20):
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    if not any(w.is_running for w in app.workers):
                        return

            def save(name: str) -> None:
                path = app.save_screenshot(filename=f"{name}.svg", path=str(out))
                written.append(Path(path))

            await settle()
            screen = app.screen
            assert isinstance(screen, KeyChooserScreen)
            save("keys")
            info = screen.index.find("alias/workbench-demo")
            assert info is not None
            table = screen.query_one(KeyTable)
            table.focus()
            table.move_to(info.key_id)
            await pilot.press("enter")
            await pilot.pause()
            await app.screen.query_one(ContextEditor).set_context(
                {"app": "workbench", "purpose": "signing"}
            )
            await pilot.pause()
            save("generate")
            await pilot.press("ctrl+g")
            await settle()
            save("result")
            await pilot.press("f4")
            await pilot.pause()
            save("activity")
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("f1")
            await pilot.pause()
            save("help")
    return written


def to_png(svgs: list[Path]) -> list[Path]:
    try:
        import cairosvg  # optional
    except ImportError:
        return []
    pngs = []
    for svg in svgs:
        png = svg.with_suffix(".png")
        cairosvg.svg2png(url=str(svg), write_to=str(png), output_width=1400)
        pngs.append(png)
    return pngs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--size", default="120x36")
    parser.add_argument("--theme", default="textual-dark")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    svgs = asyncio.run(shoot(out, (width, height), args.theme))
    for path in [*svgs, *to_png(svgs)]:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
