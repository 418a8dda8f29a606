"""The site's secret file when several processes start at once: one secret, never an empty one."""

from __future__ import annotations

import multiprocessing
import stat
import threading
from pathlib import Path

import pytest

from services.site.settings import load_or_create_secret


def _race(path: Path, creators: int) -> list[bytes]:
    """What `creators` threads, released together, each read as the secret in `path`."""
    start = threading.Barrier(creators)
    found: list[bytes] = []

    def create() -> None:
        start.wait()
        found.append(load_or_create_secret(path))

    threads = [threading.Thread(target=create) for _ in range(creators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_threads_creating_the_secret_together_all_get_the_same_one(tmp_path: Path) -> None:
    for round_ in range(40):
        path = tmp_path / str(round_) / "keys" / "site.key"

        found = _race(path, creators=12)

        assert len(found) == 12
        assert len(set(found)) == 1, f"round {round_}: {len(set(found))} different secrets"
        assert len(found[0]) == 64
        assert path.read_bytes() == found[0] + b"\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [p.name for p in path.parent.iterdir()] == ["site.key"]  # no temporary left


def _create_in_process(path: str, start: multiprocessing.synchronize.Barrier) -> bytes:
    start.wait()
    return load_or_create_secret(Path(path))


def test_processes_creating_the_secret_together_all_get_the_same_one(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        for round_ in range(5):
            path = tmp_path / str(round_) / "site.key"
            start = manager.Barrier(4)
            with context.Pool(4) as pool:
                found = pool.starmap(_create_in_process, [(str(path), start)] * 4)

            assert len(set(found)) == 1 and len(found[0]) == 64
            assert path.read_bytes().strip() == found[0]


def test_an_empty_secret_file_is_refused_not_used(tmp_path: Path) -> None:
    path = tmp_path / "site.key"
    path.write_bytes(b"\n")

    with pytest.raises(ValueError, match="empty"):
        load_or_create_secret(path)
