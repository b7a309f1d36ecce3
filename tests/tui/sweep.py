"""The key sweep's walker: start the real app on a fresh sandbox, reach a screen by keys, and
press on it every binding Textual reports as active (for each widget that can hold focus),
plus Enter on each of them, Tab and Escape. A screen that a key opens is remembered with the
keys that reach it, so a screen added later is found and swept without anyone listing it.

A route is a tuple of steps; a step is (focus, key): ``focus`` is the index of the widget to
focus in the screen's focus chain before pressing (None: leave the focus where the screen put
it). Routes are found breadth first, and the sweep of a screen is what finds its children, so
one worker never sweeps a screen twice (module-level cache; xdist workers each keep their own).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import traceback
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.screen import Screen

from kmsworkbench import config
from kmsworkbench.service import Backend
from kmsworkbench.tui.app import WorkbenchApp

from .conftest import settle

Step = tuple[int | None, str]
Route = tuple[Step, ...]

MAX_DEPTH = 5  # screens deep from the first one
MAX_FOCUS = 8  # focusable widgets tried per screen
ALWAYS = ("enter", "tab", "escape")
# Quitting ends the app on purpose; the start screen's test presses it last and checks the
# exit code instead.
QUIT_ACTIONS = {"quit", "app.quit"}
SIZE = (120, 40)
# The app's own keys are pressed once per walk, like Textual's, except those whose result
# depends on the screen under them (the help lists that screen's keys; the library opens on
# that screen's pair).
APP_PER_SCREEN = {"help", "library"}


@dataclass
class SweepResult:
    screen: str
    route: Route
    pressed: list[str] = field(default_factory=list)
    children: dict[str, Route] = field(default_factory=dict)
    failure: str | None = None
    ours: set[Step] = field(default_factory=set)  # the package's bindings in the plan
    quiet: list[Step] = field(default_factory=list)  # ... that opened no screen
    # The palette commands to run on the screen, planned by the key sweep on arriving there
    # (the state a fresh app reaches by the route, as the palette sweep's own app would).
    palette: list[Step] | None = None


def screen_name(screen: Screen[object]) -> str:
    return type(screen).__name__


def fresh_app(base: Path) -> WorkbenchApp:
    """The app on a sandbox in a new folder, with settings that are never written."""
    folder = Path(tempfile.mkdtemp(prefix="sweep-", dir=base))
    return WorkbenchApp(
        Backend(kind="sandbox", data_dir=folder / "sandbox"),
        settings=config.Settings(),
        persist_settings=False,
        library_dir=folder / "library",
    )


def app_ended(app: WorkbenchApp) -> str | None:
    if app._exception is not None:  # the one place Textual keeps it
        return "".join(traceback.format_exception(app._exception))
    if app.return_code is not None or not app.is_running:
        return f"the app exited (return code {app.return_code})"
    return None


PALETTE = "palette: "  # a step "palette: TITLE" runs that command through the palette
# Not run through the palette: Quit ends the app (its key is tested), and Screenshot writes a
# file into the user's Downloads folder.
PALETTE_SKIP = {"Quit", "Screenshot"}


def palette_titles(app: WorkbenchApp, screen: Screen[object]) -> list[str]:
    """The titles of every command the palette offers on ``screen``: the package's provider
    and Textual's system commands."""
    from kmsworkbench.tui.commands import WorkbenchCommands

    with app._context():
        provider = WorkbenchCommands(screen)
        titles = [title for title, _, _ in provider._commands()]
        titles += [c.title for c in app.get_system_commands(screen)]
    return [t for t in dict.fromkeys(titles) if t not in PALETTE_SKIP]


async def type_burst(app: WorkbenchApp, pilot: Pilot[object], *keys: str) -> None:
    """Send keys the way a terminal delivers a fast typist's (or a paste typed through):
    every key event queued back to back, then wait until the app is idle. Pilot's ``press``
    waits for idle after each key, which hides the races a person at speed runs into. Each
    argument is text (typed character by character) or, in angle brackets, a key name:
    ``type_burst(app, pilot, "<ctrl+n>", "alias/x", "<tab>", "a description")``."""
    driver = app._driver
    assert driver is not None
    for part in keys:
        if part.startswith("<") and part.endswith(">") and len(part) > 2:
            events_ = [events.Key(part[1:-1], None)]
        else:
            events_ = [
                events.Key(char if char.isalnum() else _character_to_key(char), char)
                for char in part
            ]
        for event in events_:
            event.set_sender(app)
            driver.send_message(event)
    for _ in range(1000):  # the app hands typed keys on one at a time: wait for the last
        await settle(app, pilot)
        if not app.keys_pending:
            return
        await pilot.pause(0.01)
    raise AssertionError("typed keys were never handled")


async def run_from_palette(app: WorkbenchApp, pilot: Pilot[object], title: str) -> None:
    """Ctrl+P, type the title, check that the palette's top hit is that command, Enter."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    palette = app.screen
    assert isinstance(palette, CommandPalette), f"ctrl+p opened {palette}"
    await type_burst(app, pilot, title)
    commands = palette.query_one(CommandList)
    top = ""
    for _ in range(500):  # the providers search in tasks: wait for the list to show it
        await pilot.pause(0.01)
        if commands.option_count and commands.highlighted is not None:
            option = commands.get_option_at_index(commands.highlighted)
            top = str(getattr(getattr(option, "hit", None), "text", "") or "")
            if top == title:
                break
    assert top == title, f"typing {title!r} in the palette highlights {top!r}"
    await pilot.press("enter")


async def press(app: WorkbenchApp, pilot: Pilot[object], step: Step) -> None:
    focus, key = step
    if focus is not None:
        chain = app.screen.focus_chain
        # Already focused (the plan presses each widget's keys in a row): Textual's set_focus
        # would do nothing, so there is no focus change to wait for.
        if chain and chain[focus % len(chain)] is not app.screen.focused:
            app.screen.set_focus(chain[focus % len(chain)])
            await pilot.pause()
    if key.startswith(PALETTE):
        await run_from_palette(app, pilot, key.removeprefix(PALETTE))
    else:
        await pilot.press(key)
    await settle(app, pilot)


def textual_binding(node: object, key: str, action: str) -> bool:
    """Is this binding Textual's own (an Input's editing keys, a DataTable's cursor keys, the
    screen's focus keys), rather than one this package declares?"""
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("textual."):
            continue
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            if binding.action == action and key in binding.key.split(","):
                return True
    return False


def key_plan(app: WorkbenchApp, textual_done: set[tuple[str, str]]) -> tuple[list[Step], set[Step]]:
    """Every enabled binding of the screen, for each widget that can hold focus, once per
    (key, where it is bound, action); Enter on every focusable widget; Tab, then Escape.
    Textual's own bindings (the same on every Input or DataTable) and the app's are pressed
    once per walk rather than on every screen (but see APP_PER_SCREEN); the screen's and its
    widgets' bindings on every screen.
    Returns the steps and those of them that are the package's own bindings."""
    screen = app.screen
    initial = screen.focused
    start: int | None = screen.focus_chain.index(initial) if initial in screen.focus_chain else None
    seen: set[tuple[str, str, str]] = set()
    steps: list[Step] = []
    ours: set[Step] = set()
    others = [i for i in range(min(len(screen.focus_chain), MAX_FOCUS)) if i != start]
    for position in [start, *others]:
        if position is not None:
            screen.set_focus(screen.focus_chain[position])
            steps.append((position, "enter"))
        for key, active in screen.active_bindings.items():
            action = active.binding.action
            if not active.enabled or action in QUIT_ACTIONS or key in ALWAYS:
                continue
            mark = (key, type(active.node).__name__, action)
            if mark in seen:
                continue
            seen.add(mark)
            if textual_binding(active.node, key, action) or (
                active.node is app and action not in APP_PER_SCREEN
            ):
                if (key, action) in textual_done:
                    continue
                textual_done.add((key, action))
            else:
                ours.add((position, key))
            steps.append((position, key))
    screen.set_focus(initial)
    if start is None:
        steps.append((None, "enter"))
    steps += [(start, "tab"), (start, "escape")]
    return steps, ours


# The registered themes are one command each ("theme: NAME", the same callback with another
# name); the palette runs the two built-in ones the app documents, not all twenty.
THEMES_RUN = {"theme: textual-dark", "theme: textual-light"}


def palette_plan(app: WorkbenchApp) -> list[Step]:
    """Every command the palette offers on this screen, typed and run once: the first screen
    runs all it offers, any other screen only those the first screen does not offer."""
    screen = app.screen
    first = app.screen_stack[0]  # the key list, the app's default screen
    offered = palette_titles(app, screen)
    elsewhere = set() if first is screen else set(palette_titles(app, first))
    focus = (
        screen.focus_chain.index(screen.focused) if screen.focused in screen.focus_chain else None
    )
    return [
        (focus, PALETTE + title)
        for title in offered
        if title not in elsewhere and (not title.startswith("theme: ") or title in THEMES_RUN)
    ]


class Walker:
    """Routes to screens and sweeps, shared by the tests of one worker."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.results: dict[str, SweepResult] = {}
        self.first: str | None = None
        self.textual_done: set[tuple[str, str]] = set()
        self.base = Path(tempfile.mkdtemp(prefix="kmswb-sweep-"))
        # Made at import, in every test process (and the controller): removed at its exit,
        # or each make test left a folder per process behind.
        atexit.register(shutil.rmtree, self.base, ignore_errors=True)

    async def start(self) -> str:
        if self.first is None:
            app = fresh_app(self.base)
            async with app.run_test(size=SIZE) as pilot:
                await settle(app, pilot)
                self.first = screen_name(app.screen)
                self.routes[self.first] = ()
        return self.first

    async def route_to(self, name: str) -> Route | None:
        """Breadth first from the first screen, sweeping screens until ``name`` is found."""
        await self.start()
        queue = deque([self.first])
        done: set[str] = set()
        while name not in self.routes and queue:
            current = queue.popleft()
            assert current is not None
            if current in done:
                continue
            done.add(current)
            result = await self.sweep(current)
            queue.extend(c for c in result.children if c not in done)
        return self.routes.get(name)

    async def reach(self, app: WorkbenchApp, pilot: Pilot[object], route: Route) -> str | None:
        await settle(app, pilot)
        for step in route:
            await press(app, pilot, step)
            ended = app_ended(app)
            if ended:
                return ended
        return None

    async def sweep(self, name: str) -> SweepResult:
        """Every key of the screen (cached: route finding sweeps screens on the way)."""
        if name not in self.results:
            self.results[name] = SweepResult(name, self.routes[name])
            await self._run(self.results[name], keys=True)
        return self.results[name]

    async def palette(self, name: str) -> SweepResult:
        """Every palette command of the screen, typed and run once, on a fresh app. A screen
        whose plan (made by its key sweep on arrival) has nothing to run starts none."""
        result = SweepResult(name, self.routes[name])
        planned = (await self.sweep(name)).palette
        if planned is not None and not planned:
            result.palette = []
            return result
        await self._run(result, keys=False)
        return result

    async def _run(self, result: SweepResult, *, keys: bool) -> None:
        name, route = result.screen, result.route
        pending: list[Step] | None = None
        # The reverse pass is for the first screen, where keys change what the others act on.
        reverse_done = not keys or bool(route)
        while pending is None or pending or not reverse_done:
            if pending is not None and not pending:
                # Our own keys that opened nothing, again on a fresh app in reverse order: a
                # key can depend on the state an earlier one left (hide ineligible, then
                # disable the only key shown, and Schedule deletion has no key to act on).
                reverse_done = True
                pending = list(reversed(result.quiet))
                if not pending:
                    break
            app = fresh_app(self.base)
            async with app.run_test(size=SIZE) as pilot:
                ended = await self.reach(app, pilot, route)
                if ended or screen_name(app.screen) != name:
                    result.failure = ended or (
                        f"the keys {route} led to {screen_name(app.screen)}, not {name}"
                    )
                    return
                if pending is None:
                    result.palette = palette_plan(app)
                    if keys:
                        pending, result.ours = key_plan(app, self.textual_done)
                    else:
                        pending = list(result.palette)
                failure = await self._press_all(app, pilot, name, route, pending, result)
                if failure:
                    result.failure = failure
                    return

    async def _press_all(
        self,
        app: WorkbenchApp,
        pilot: Pilot[object],
        name: str,
        route: Route,
        pending: list[Step],
        result: SweepResult,
    ) -> str | None:
        """Press the pending steps on this app; return on a failure, or (with steps still
        pending) when the screen cannot be brought back by keys and a fresh app is needed."""
        home = app.screen
        depth = len(app.screen_stack)
        while pending:
            step = pending.pop(0)
            result.pressed.append(f"{step[1]}@{step[0]}")
            await press(app, pilot, step)
            ended = app_ended(app)
            if ended:
                return f"{name}: pressing {step[1]!r} (focus {step[0]}) after {route}:\n{ended}"
            top = app.screen
            if top is home and step in result.ours and step not in result.quiet:
                result.quiet.append(step)
            if top is not home and len(app.screen_stack) >= depth:
                child = screen_name(top)
                if child not in self.routes and len(route) < MAX_DEPTH:
                    self.routes[child] = (*route, step)
                    result.children[child] = (*route, step)
                elif child in self.routes:
                    result.children.setdefault(child, self.routes[child])
            while len(app.screen_stack) > depth:
                await app.pop_screen()
                await settle(app, pilot)
            if app.screen is home:
                continue
            # The key closed or replaced the screen: reach it again from where we are.
            if len(app.screen_stack) == depth - 1 and route:
                await press(app, pilot, route[-1])
                if app_ended(app):
                    return f"{name}: reopening it with {route[-1]} failed:\n{app_ended(app)}"
                if screen_name(app.screen) == name:
                    home = app.screen
                    depth = len(app.screen_stack)
                    continue
            return None  # a fresh app for the rest
        return None


WALKER = Walker()
