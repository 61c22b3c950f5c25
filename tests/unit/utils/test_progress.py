"""Progress lines with the time left; a bar only on a person's terminal (eegvis.utils.progress)."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import struct
import subprocess
import sys
import termios

import numpy as np
import pytest
import torch

from eegvis.utils.progress import counted, format_duration, progress

LOGGER = "eegvis.test_progress"


class FakeClock:
    """A clock that moves only when told: each item of a loop takes ``step`` seconds."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(items, step: float, caplog, **kwargs) -> list[str]:
    """Loop over ``items`` through progress, each taking ``step`` s; return the lines."""
    clock = FakeClock()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for _ in progress(items, clock=clock, logger=logging.getLogger(LOGGER), **kwargs):
            clock.now += step
    return [record.getMessage() for record in caplog.records]


def test_the_time_left_is_the_mean_time_per_item_times_the_items_left(caplog):
    lines = run(range(10), 2.0, caplog, desc="gradient maps", min_interval=10)
    assert lines == [
        "gradient maps: 1/10 subjects (10%), 2.0 s elapsed, about 18 s left",
        "gradient maps: 6/10 subjects (60%), 12 s elapsed, about 8.0 s left",
        "gradient maps: 10/10 subjects (100%), done in 20 s",
    ]


def test_a_resumed_loop_counts_from_initial_and_estimates_from_its_own_items(caplog):
    lines = run(range(4, 11), 65.0, caplog, desc="training", unit="epoch", initial=3)
    assert lines[0] == "training: 4/10 epochs (40%), 1 min 5 s elapsed, about 6 min 30 s left"
    assert lines[-1] == "training: 10/10 epochs (100%), done in 7 min 35 s"


@pytest.mark.parametrize(
    ("n_items", "step", "expected"),
    [
        (100, 1.0, [1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 100]),  # every 10 s
        (100, 20.0, [1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 100]),  # every tenth
        (1000, 0.01, [1, 1000]),  # a 10 s loop: the first and the last line only
        (1, 30.0, [1]),
        (0, 1.0, []),
    ],
)
def test_lines_come_first_then_every_min_interval_and_tenth_then_last(
    n_items, step, expected, caplog
):
    lines = run(list(range(n_items)), step, caplog, desc="loop", min_interval=10)
    assert [int(line.split(": ")[1].split("/")[0]) for line in lines] == expected
    assert all(line.endswith(" left") for line in lines[:-1])
    if lines:
        assert ", done in " in lines[-1]


def test_the_total_comes_from_len_or_the_length_hint_else_is_unknown(caplog):
    assert run([5, 6, 7, 8], 1.0, caplog, desc="list")[0].startswith("list: 1/4 subjects (25%)")
    caplog.clear()
    generator = (n for n in range(3))
    assert run(counted(generator, 3), 1.0, caplog, desc="c")[0].startswith("c: 1/3 subjects")
    caplog.clear()
    lines = run((n for n in range(3)), 20.0, caplog, desc="gen", unit="iteration")
    assert lines == [
        "gen: 1 iteration, 20 s elapsed",
        "gen: 2 iterations, 40 s elapsed",
        "gen: 3 iterations, 1 min 0 s elapsed",
        "gen: 3 iterations, done in 1 min 0 s",
    ]


def test_a_total_changed_during_the_loop_is_used_from_the_next_line(caplog):
    clock = FakeClock()
    steps = progress(range(30), desc="auto", unit="iteration", min_interval=0, clock=clock)
    steps.total = None
    with caplog.at_level(logging.INFO, logger="eegvis.utils.progress"):
        for k in steps:
            clock.now += 3.0
            if k == 1:
                steps.total = 4
            if k == 3:
                break
    lines = caplog.messages
    assert lines[0] == "auto: 1 iteration, 3.0 s elapsed"
    assert lines[1] == "auto: 2/4 iterations (50%), 6.0 s elapsed, about 6.0 s left"
    assert lines[-1] == "auto: 3/4 iterations (75%), 9.0 s elapsed, about 3.0 s left"  # break


def test_counted_hints_the_items_left():
    items = counted(iter("abc"), 3)
    assert items.__length_hint__() == 3
    next(items)
    assert items.__length_hint__() == 2
    assert list(items) == ["b", "c"]
    assert items.__length_hint__() == 0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.04, "0.0 s"),
        (4.24, "4.2 s"),
        (9.96, "10 s"),
        (59.4, "59 s"),
        (59.6, "1 min 0 s"),
        (65, "1 min 5 s"),
        (3599.4, "59 min 59 s"),
        (3600, "1 h 0 min"),
        (7385, "2 h 3 min"),
        (90_000, "25 h 0 min"),
    ],
)
def test_durations_read_like_a_person_says_them(seconds, text):
    assert format_duration(seconds) == text


class Terminal(io.StringIO):
    """Standard error on a terminal."""

    def isatty(self) -> bool:
        return True


class NotebookStream(io.StringIO):
    """Standard error in a Jupyter notebook (ipykernel's OutStream is no TTY)."""


NotebookStream.__module__ = "ipykernel.iostream"


@pytest.mark.parametrize(
    ("stream", "bar"), [(Terminal(), True), (NotebookStream(), True), (io.StringIO(), False)]
)
def test_the_bar_is_drawn_only_on_a_terminal_or_in_a_notebook(stream, bar, monkeypatch, caplog):
    monkeypatch.setattr(sys, "stderr", stream)
    with caplog.at_level(logging.INFO, logger="eegvis.utils.progress"):
        items = list(progress(range(3), desc="maps", unit="subject"))
    assert items == [0, 1, 2]
    drawn = stream.getvalue()
    assert ("maps: 100%" in drawn and "3/3" in drawn) == bar, drawn
    assert bar or drawn == ""
    assert caplog.messages[-1].startswith("maps: 3/3 subjects (100%), done in ")  # lines too


def test_the_items_and_the_random_state_are_untouched(monkeypatch):
    """Same seed, same results: the loop sees the same objects, no generator is drawn from."""
    monkeypatch.setattr(sys, "stderr", Terminal())  # with the bar as well
    items = [np.zeros(3), object(), "x"]
    np.random.seed(3)  # noqa: NPY002 - numpy's global generator, which a library might touch
    torch.manual_seed(3)
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()  # noqa: NPY002
    seen = list(progress(items, desc="x", min_interval=0))
    assert all(a is b for a, b in zip(seen, items, strict=True))
    assert np.array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), torch_state)


JOB = """
import sys
from eegvis.utils.progress import progress
if sys.argv[1] == "job":
    from eegvis.pipeline.logs import log_to_file
    log_to_file(sys.argv[2])
for _ in progress(range(3), desc="maps", min_interval=0):
    pass
"""


def on_a_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """Run :data:`JOB` with standard error on a pseudo-terminal; return what the terminal got."""
    terminal, process_side = pty.openpty()
    fcntl.ioctl(process_side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    subprocess.run(
        [sys.executable, "-c", JOB, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=process_side,
        check=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    os.close(process_side)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the other side is closed: all read
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    return shown.decode(errors="replace")


def test_a_workflow_job_logs_lines_and_leaves_snakemakes_terminal_alone(tmp_path):
    """Snakemake's jobs share its terminal: a job (log_to_file) writes no bar there."""
    assert "maps: 100%" in on_a_terminal("library")  # a person's terminal: the bar
    log = tmp_path / "job.log"
    assert on_a_terminal("job", str(log)) == ""
    text = log.read_text()
    lines = [line.split(" INFO eegvis.utils.progress: ")[1] for line in text.splitlines()]
    assert [line.split(",")[0] for line in lines] == [
        "maps: 1/3 subjects (33%)",
        "maps: 2/3 subjects (66%)",
        "maps: 3/3 subjects (100%)",
    ]
    assert lines[0].endswith(" left") and ", done in " in lines[2]
    assert "\r" not in text  # no bar in the log either


def test_tqdm_disable_turns_the_bar_off():
    assert on_a_terminal("library", env={"TQDM_DISABLE": "1"}) == ""
