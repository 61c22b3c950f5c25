"""Run the whole workflow at scale and report time, memory and disk per stage.

A benchmark, not a test: ``benchmarks/scale/config.yaml`` is the synthetic
demo grown to 109 subjects (the size of PhysioNet EEGBCI) with the paper's
filterbank (22 bands below 80 Hz at 160 Hz). The script runs
``snakemake --cores N --configfile CONFIG`` in the repository, then reads
every job's ``benchmark:`` file (wall time and peak resident memory per job)
and the size of each results folder, and prints:

- per rule: jobs, summed wall time, the longest job, the largest peak memory;
- per results folder: the files' size on disk (what the run leaves behind,
  i.e. its intermediate and final files);
- the run's wall time and the peak memory used on the machine while it ran
  (MemTotal - MemAvailable, sampled every 2 s, minus its value before the run),
  and the rule that took the most time.

    python benchmarks/scale.py [--config benchmarks/scale/config.yaml] [--cores 2]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import threading
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "benchmarks/scale/config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep earlier results (resume)")
    return parser.parse_args()


def used_memory_mb() -> float:
    """Memory in use on the machine (MemTotal - MemAvailable), in MB."""
    values = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, value = line.split(":")
        values[key] = int(value.split()[0])
    return (values["MemTotal"] - values["MemAvailable"]) / 1024


class MemorySampler(threading.Thread):
    """Record the largest memory use on the machine while the run lasts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.baseline = used_memory_mb()
        self.peak = self.baseline
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(2.0):
            self.peak = max(self.peak, used_memory_mb())


def rule_table(benchmarks: Path) -> dict[str, dict[str, float]]:
    """Per rule: number of jobs, summed and longest wall time (s), largest max_rss (MB)."""
    rules: dict[str, dict[str, float]] = defaultdict(
        lambda: {"jobs": 0, "total_s": 0.0, "longest_s": 0.0, "max_rss_mb": 0.0}
    )
    for path in sorted(benchmarks.rglob("*.tsv")):
        relative = path.relative_to(benchmarks)
        rule = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        with path.open() as stream:
            for row in csv.DictReader(stream, delimiter="\t"):
                entry = rules[rule]
                entry["jobs"] += 1
                entry["total_s"] += float(row["s"])
                entry["longest_s"] = max(entry["longest_s"], float(row["s"]))
                rss = row["max_rss"]
                entry["max_rss_mb"] = max(entry["max_rss_mb"], float(rss) if rss != "NA" else 0)
    return dict(rules)


def folder_sizes(results: Path) -> dict[str, int]:
    """Bytes on disk per top-level results folder (files directly in it under '.')."""
    sizes: dict[str, int] = defaultdict(int)
    for path in results.rglob("*"):
        if path.is_file():
            relative = path.relative_to(results)
            sizes[relative.parts[0] if len(relative.parts) > 1 else "."] += path.stat().st_size
    return dict(sizes)


def main() -> None:
    args = parse_args()
    name = yaml.safe_load(args.config.read_text())["name"]
    results = ROOT / "results" / name
    if results.exists() and not args.keep:
        shutil.rmtree(results)
    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    subprocess.run(
        ["snakemake", "--cores", str(args.cores), "--configfile", str(args.config), "--quiet"],
        cwd=ROOT,
        check=True,
    )
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    rules = rule_table(results / "benchmarks")
    print("| rule | jobs | summed wall (s) | longest job (s) | largest peak RSS (MB) |")
    print("|---|---|---|---|---|")
    for rule, entry in sorted(rules.items(), key=lambda item: -item[1]["total_s"]):
        print(
            f"| {rule} | {entry['jobs']:.0f} | {entry['total_s']:.0f} | "
            f"{entry['longest_s']:.0f} | {entry['max_rss_mb']:.0f} |"
        )
    print("\n| results folder | size on disk (MB) |\n|---|---|")
    sizes = folder_sizes(results)
    for folder, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"| {folder} | {size / 1e6:.1f} |")
    print(f"| all | {sum(sizes.values()) / 1e6:.1f} |")
    dominant = max(rules, key=lambda rule: rules[rule]["total_s"])
    print(
        f"\nwall time {wall / 60:.1f} min on {args.cores} cores; peak memory in use "
        f"{sampler.peak - sampler.baseline:.0f} MB above the {sampler.baseline:.0f} MB before "
        f"the run; most job time: {dominant} ({rules[dominant]['total_s'] / 60:.1f} min)"
    )


if __name__ == "__main__":
    main()
