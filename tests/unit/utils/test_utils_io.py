"""Atomic output (eegvis.utils.io): a file appears under its name only when complete."""

from __future__ import annotations

import json
import os

import matplotlib.pyplot as plt
import pytest

from eegvis.utils.io import atomic_output, save_figure, write_json


class Interrupted(Exception):
    pass


def test_the_file_appears_when_the_block_succeeds(tmp_path):
    path = tmp_path / "new" / "folder" / "sub-001_epo.fif"
    with atomic_output(path) as tmp:
        assert tmp.parent == path.parent and tmp.name.endswith(path.name)
        assert tmp != path
        tmp.write_text("complete")
        assert not path.exists()  # not before the block ends
    assert path.read_text() == "complete"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_failing_block_leaves_no_partial_file_and_the_old_file_untouched(tmp_path):
    path = tmp_path / "result.json"
    with pytest.raises(Interrupted), atomic_output(path) as tmp:
        tmp.write_text("half")
        raise Interrupted
    assert list(tmp_path.iterdir()) == []
    path.write_text("old")
    with pytest.raises(Interrupted), atomic_output(path) as tmp:
        tmp.write_text("new but half")
        raise Interrupted
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_leftovers_of_killed_writers_of_the_same_file_are_removed(tmp_path):
    path = tmp_path / "maps.nc"
    stale = tmp_path / f".partial-{os.getpid() + 1}-maps.nc"
    other = tmp_path / ".partial-12-other.nc"  # another file's: kept
    similar = tmp_path / ".partial-12-maps.nc.bak"  # not exactly this name: kept
    for leftover in (stale, other, similar):
        leftover.write_text("killed")
    with atomic_output(path) as tmp:
        tmp.write_text("done")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [path.name, other.name, similar.name]
    )


def test_write_json_is_indented_and_atomic(tmp_path):
    path = tmp_path / "summary.json"
    data = {"subject": 3, "sha256": {"S003R04.edf": "ab" * 32}, "runs": [4, 8]}
    write_json(path, data)
    text = path.read_text()
    assert json.loads(text) == data
    assert text == json.dumps(data, indent=2) + "\n"
    with pytest.raises(TypeError):
        write_json(path, {"not serialisable": object()})
    assert json.loads(path.read_text()) == data  # the complete file stays
    assert list(tmp_path.iterdir()) == [path]


def test_save_figure_writes_every_format(tmp_path):
    figure, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    paths = [tmp_path / "figure.png", tmp_path / "figure.pdf"]
    save_figure(figure, paths, dpi=50)
    plt.close(figure)
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    assert sorted(tmp_path.iterdir()) == sorted(paths)
