"""Every key of every screen: the app must neither raise nor exit, whatever is pressed.

The screens are the Screen classes of the package (found by importing every module under
kmsworkbench.tui) plus Textual's command palette; each test reaches its screen by keys from a
fresh start (see sweep.py) and sweeps it. A screen that no key reaches fails here, unless it
only opens under a condition a fresh sandbox does not have: then it is listed in CONDITIONAL
with the test that opens it, and skipped (visibly) when the sweep did not get there.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.command import CommandPalette
from textual.screen import Screen

import kmsworkbench.tui
from kmsworkbench.tui.screens.base import WorkbenchModal, WorkbenchScreen

from .sweep import WALKER, fresh_app, settle

ABSTRACT = {WorkbenchScreen, WorkbenchModal}
# Screens a fresh sandbox reaches only by chance; name -> where they are driven by keys.
CONDITIONAL = {
    "ErrorModal": "a KMS call fails: tests/tui/test_flow.py, test_relogin.py",
    "ConfirmModal": "a base class; its subclasses are swept",
    "KeyListScreen": "a base class of KeyChooserScreen, which is swept",
    "KeyAdminScreen": "a base class of KeyChooserScreen, which is swept",
    "PairOperations": "the base of PairWorkbenchScreen, which is swept",
    "RenameModal": "needs a pair in the library: tests/tui/test_library.py",
    "ExportModal": "needs a pair: tests/tui/test_library.py",
    "BatchScreen": "needs a batch in the library: tests/tui/test_library_batches.py",
    "BreakPickerModal": "a lesson step has break variants: tests/tui/test_lessons.py",
}


def package_screens() -> list[str]:
    names: set[str] = {CommandPalette.__name__}
    for module_info in pkgutil.walk_packages(kmsworkbench.tui.__path__, "kmsworkbench.tui."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, Screen)
                and cls.__module__ == module.__name__
                and cls not in ABSTRACT
            ):
                names.add(cls.__name__)
    return sorted(names)


SCREENS = package_screens()
# One worker walks every screen: a screen's sweep finds the keys to the next ones, and a
# second worker would repeat the walk to get there.
pytestmark = pytest.mark.xdist_group("key-sweep")


@pytest.fixture(autouse=True)
def in_sweep_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys that save a file into the current folder (an export) save it into the sweep's."""
    monkeypatch.chdir(WALKER.base)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCREENS)
async def test_every_key_of_every_screen(name: str) -> None:
    route = await WALKER.route_to(name)
    if route is None:
        if name in CONDITIONAL:
            pytest.skip(f"{name} not reached by the sweep; it opens when {CONDITIONAL[name]}")
        pytest.fail(
            f"No key reaches {name} from the first screen (depth {len(WALKER.routes)} screens "
            f"found: {sorted(WALKER.routes)}). If it opens only under a condition, add it to "
            "CONDITIONAL with the test that drives it."
        )
    result = await WALKER.sweep(name)
    assert result.failure is None, result.failure
    assert result.pressed, f"nothing was pressed on {name}"
    unknown = set(result.children) - set(SCREENS)
    assert not unknown, f"{name} opens {unknown}, which the sweep does not know: add to SCREENS"


@pytest.mark.slow
@pytest.mark.parametrize("name", SCREENS)
async def test_every_palette_command_typed_and_run(name: str) -> None:
    """Ctrl+P, the command's title typed, Enter: each command once, on the first screen that
    offers it (the first screen runs the shared ones)."""
    if name == CommandPalette.__name__:
        pytest.skip("the palette itself offers no palette")
    route = await WALKER.route_to(name)
    if route is None:
        pytest.skip(f"{name} is not reached by keys (see test_every_key_of_every_screen)")
    result = await WALKER.palette(name)
    assert result.failure is None, result.failure


async def test_quit_key_ends_the_app_cleanly() -> None:
    app = fresh_app(WALKER.base)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
