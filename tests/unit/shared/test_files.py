"""Files written whole or not at all, and a full disk told apart from other failures."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import shared.files
from shared.files import StorageFull, write_atomically


def test_a_file_is_written_whole_under_its_name(tmp_path: Path) -> None:
    write_atomically(tmp_path / "a", b"bytes")
    assert [p.name for p in tmp_path.iterdir()] == ["a"]
    assert (tmp_path / "a").read_bytes() == b"bytes"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
@pytest.mark.parametrize("where", ["open", "fsync"])
def test_no_room_is_storage_full_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, where: str
) -> None:
    def no_room(*_args: object, **_kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(shared.files.os, where, no_room)
    with pytest.raises(StorageFull) as raised:
        write_atomically(tmp_path / "a", b"bytes")
    monkeypatch.undo()
    assert raised.value.errno == code
    assert list(tmp_path.iterdir()) == []  # not even the temporary file


def test_other_failures_stay_what_they_were(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "missing-folder" / "a", b"bytes")
