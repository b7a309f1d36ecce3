"""Shared fixtures: every test runs with its own KMSWORKBENCH_HOME and no AWS configuration."""

from __future__ import annotations

import resource
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench.service._debug import disable_debug_logging


@pytest.hookimpl(optionalhook=True)  # the hook exists only with xdist loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Tests marked ``xdist_group`` run in one worker (the key sweep shares the screens it
    found between its tests); every other test is spread as usual."""
    from xdist.scheduler import LoadGroupScheduling

    return LoadGroupScheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The scheduler above groups by an ``@group`` suffix of the test id, which xdist adds
    only with ``--dist loadgroup``: add it under plain ``-n N`` too. Without it the key sweep
    ran on every worker, and each walked every screen to find the ones it was given (about
    135 s of CPU twice). The scheduler starts the biggest group first, so the sweep begins
    at once on one worker while the others take the rest."""
    if not hasattr(config, "workerinput"):  # not an xdist worker
        return
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        if mark is None or item.nodeid.rfind("@") > item.nodeid.rfind("]"):
            continue
        name = mark.args[0] if mark.args else mark.kwargs.get("name", "default")
        item._nodeid = f"{item.nodeid}@{name}"


def _cpu_seconds() -> float:
    """User + system CPU of this process since it started, and of the children it has
    waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_START] = (time.perf_counter(), _cpu_seconds())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Each xdist worker reports its wall and CPU time to the controller, which prints them:
    on a shared machine the CPU seconds are the figure to compare, and the workers' loads
    show whether the suite keeps the cores busy."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        wall, _ = session.config.stash[_START]
        workeroutput["kmswb_times"] = (time.perf_counter() - wall, _cpu_seconds())


_START = pytest.StashKey[tuple[float, float]]()
_WORKER_TIMES = pytest.StashKey[dict[str, tuple[float, float]]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    output = getattr(node, "workeroutput", {})
    if "kmswb_times" in output:
        config = node.config  # type: ignore[attr-defined]
        times = config.stash.setdefault(_WORKER_TIMES, {})
        times[node.gateway.id] = output["kmswb_times"]  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: object, config: pytest.Config) -> None:
    times = config.stash.get(_WORKER_TIMES, {})
    if times:
        parts = ", ".join(
            f"{worker} {wall:.0f} s wall / {cpu:.0f} s CPU"
            for worker, (wall, cpu) in sorted(times.items())
        )
        terminalreporter.write_line(f"xdist workers: {parts}")  # type: ignore[attr-defined]


_SEEDING = threading.local()


@pytest.fixture(scope="session", autouse=True)
def seeded_rsa_pair_once_per_region() -> Iterator[None]:
    """A fresh data folder's seed makes one RSA 2048 key pair per Region (tens of ms to a few
    hundred of CPU each, the prime search), and the test workers seed about 450 fresh
    folders: some 30 s of CPU on primes that no test asserts about. In the tests the
    seed's RSA key pair is generated once per Region and worker and reused by every later
    folder's seed (with a material id of its own, as a new key gets): the keys of one
    folder still differ between its Regions, and every other key (CreateKey, data key pairs,
    key pools, keys the tests make themselves) is generated as in the app. The seed's own
    path is unchanged, only where its RSA bytes come from: tests/sandbox/test_regions.py
    checks a seeded folder, tests/keypairs generation itself."""
    from kmsworkbench.sandbox import core, seed
    from kmsworkbench.sandbox.core.material import NewKey

    make_material: Callable[[str], NewKey] = core.make_material
    seed_region: Callable[[Any], bool] = seed.seed_region
    pairs: dict[tuple[str, str], NewKey] = {}

    def seeding(r: Any) -> bool:
        _SEEDING.region = r.region
        try:
            return seed_region(r)
        finally:
            _SEEDING.region = None

    def material(key_spec: str) -> NewKey:
        region = getattr(_SEEDING, "region", None)
        if region is None or key_spec != "RSA_2048":
            return make_material(key_spec)
        made = pairs.get((region, key_spec))
        if made is None:
            made = pairs[(region, key_spec)] = make_material(key_spec)
        return NewKey(key_spec, core.new_material_id(), made.secret, made.public_der)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core, "make_material", material)
        patch.setattr(seed, "seed_region", seeding)
        yield


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Keep the machine running the tests out of them: a private home for our files and
    AWS settings that point nowhere."""
    home = tmp_path / "kmswb-home"
    monkeypatch.setenv("KMSWORKBENCH_HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config-absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials-absent"))
    for var in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_KMS",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield home
    # A --debug session installs botocore's debug log on this process's stderr; left on, it
    # would print (and format) every later test's botocore records in this worker.
    disable_debug_logging()
