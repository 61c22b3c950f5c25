"""Time building the DAG for all 109 EEGBCI subjects (``snakemake -n``).

Reference: a bare Snakefile with the same jobs (one download and one epoching
job per subject, a summary and ``all``) and no Python imports, run in the same
process environment: the floor that Snakemake itself sets. Prints both wall
times (best of several runs) and their ratio.

    python benchmarks/dry_run.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SUBJECTS = list(range(1, 110))

BARE_SNAKEFILE = """
SUBJECTS = [f"{s:03d}" for s in range(1, 110)]
RUNS = [4, 8, 12]

rule all:
    input: "summary.csv"

rule fetch:
    output: expand("raw/S{{subject}}/S{{subject}}R{run:02d}.edf", run=RUNS)
    shell: "touch {output}"

rule epoch:
    input: expand("raw/S{{subject}}/S{{subject}}R{run:02d}.edf", run=RUNS)
    output: "epochs/sub-{subject}_epo.fif", "epochs/sub-{subject}.json"
    shell: "touch {output}"

rule summary:
    input: expand("epochs/sub-{subject}.json", subject=SUBJECTS)
    output: "summary.csv"
    shell: "touch {output}"
"""


def best_time(command: list[str], cwd: Path, repeats: int) -> tuple[float, str]:
    times, output = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - start)
        output = result.stdout
    return min(times), output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    snakemake = [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules"]
    with tempfile.TemporaryDirectory() as tmp:
        config = yaml.safe_load((REPO / "config" / "physionet.yaml").read_text())
        config.update(
            name="all-subjects", subjects={"train": SUBJECTS[:-5], "valid": SUBJECTS[-5:]}
        )
        config_path = Path(tmp, "all-subjects.yaml")
        config_path.write_text(yaml.safe_dump(config))
        ours, output = best_time([*snakemake, "--configfile", str(config_path)], REPO, args.repeats)
        bare_dir = Path(tmp, "bare")
        bare_dir.mkdir()
        (bare_dir / "Snakefile").write_text(BARE_SNAKEFILE)
        bare, _ = best_time(snakemake, bare_dir, args.repeats)
    print(output.strip())
    print(f"eegvis workflow, 109 subjects: {ours:.2f} s (best of {args.repeats})")
    print(f"bare Snakefile, same jobs:     {bare:.2f} s")
    print(f"ratio eegvis / bare:           {ours / bare:.2f}")


if __name__ == "__main__":
    main()
