"""Filling a sandbox folder with many keys before any timing: straight through the sandbox's
engine, many CreateKey calls per store transaction (about 1 ms a key instead of 25 ms
through a client), so a 10,000-key folder takes seconds, not minutes."""

from __future__ import annotations

from pathlib import Path

from kmsworkbench.sandbox import Sandbox


def seed_keys(folder: Path, count: int, alias_every: int = 10) -> None:
    """``count`` symmetric keys described "bench key NNNNN"; every ``alias_every``-th one
    also gets alias/bench-NNNNN, so filters match aliases and descriptions."""
    sandbox = Sandbox.open(folder)
    try:
        sandbox.ensure_region(sandbox.region)
        for start in range(0, count, 500):
            with sandbox.store.transaction(write=True):
                for i in range(start, min(count, start + 500)):
                    made = sandbox.engine.call(
                        "CreateKey", {"Description": f"bench key {i:05d}"}, sandbox.region
                    )
                    if i % alias_every == 0:
                        sandbox.engine.call(
                            "CreateAlias",
                            {
                                "AliasName": f"alias/bench-{i:05d}",
                                "TargetKeyId": made["KeyMetadata"]["KeyId"],
                            },
                            sandbox.region,
                        )
    finally:
        sandbox.store.close()
