"""Score every method's maps of every network against the planted truth of synthetic data."""

import json

import pandas as pd

from eegvis.data.artifacts import region_masks
from eegvis.evaluation.ground_truth import ground_truth_scores, merge_class_masks
from eegvis.maps import read_maps
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output

log = log_to_file(snakemake.log[0])
regions = json.loads(open(snakemake.input.planted).read())["masks"]
summaries, subjects = [], []
for (method, network), path in zip(snakemake.params.maps, snakemake.input.maps, strict=True):
    maps = read_maps(path)
    variable = snakemake.params.variables.get(method, "attribution")
    masks = region_masks(regions, maps["channel"].values, maps["frequency"].values)
    masks = merge_class_masks(masks, maps["class"].values.astype(str))
    outside = [name for name, mask in masks.items() if not mask.any()]
    if outside:  # e.g. eye sites in a sensorimotor montage: nothing there to score
        log.info("%s: no channel of %s in the maps, not scored", method, ", ".join(outside))
    masks = {name: mask for name, mask in masks.items() if mask.any()}
    per_subject, summary = ground_truth_scores(
        maps[variable], masks, method=method, network=network
    )
    subjects.append(per_subject)
    summaries.append(summary)
summary = pd.concat(summaries, ignore_index=True)
for (method, network, mask), rows in summary.groupby(["method", "network", "mask"], sort=False):
    scores = ", ".join(f"{r.metric} {r.value:.2f}" for r in rows.itertuples())
    log.info("%s, %s network, %s mask: %s", method, network, mask, scores)
with atomic_output(snakemake.output.summary) as path:
    summary.to_csv(path, index=False)
with atomic_output(snakemake.output.subjects) as path:
    pd.concat(subjects, ignore_index=True).to_csv(path, index=False)
