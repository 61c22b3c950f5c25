"""A job's log holds its messages, warnings, standard error and uncaught error."""

import subprocess
import sys

JOB = """
import os, sys, warnings
from eegvis.pipeline.logs import log_to_file

log = log_to_file(sys.argv[1])
log.info("progress message")
warnings.warn("a library warning")
print("written to stderr", file=sys.stderr)
os.write(2, b"written to file descriptor 2 by compiled code\\n")
raise RuntimeError("the job failed")
"""


def test_warnings_stderr_and_errors_go_to_the_log(tmp_path):
    (tmp_path / "job.log").write_text("left over from an earlier run\n")
    result = subprocess.run(
        [sys.executable, "-c", JOB, str(tmp_path / "job.log")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    log = (tmp_path / "job.log").read_text()
    assert "left over" not in log
    lines = [
        "INFO eegvis: progress message",
        "WARNING py.warnings:",
        "UserWarning: a library warning",
        "written to stderr",
        "written to file descriptor 2 by compiled code",
        "ERROR eegvis: the job failed",
        "RuntimeError: the job failed",
    ]
    positions = [log.find(line) for line in lines]
    assert -1 not in positions, log
    assert positions == sorted(positions), log  # in the order they were written
    assert log.count("RuntimeError: the job failed") == 1, log
    # Snakemake's own output still shows warnings and the error, but not the rest.
    assert "UserWarning: a library warning" in result.stderr
    assert "RuntimeError: the job failed" in result.stderr
    assert "progress message" not in result.stderr
    assert "written to" not in result.stderr
