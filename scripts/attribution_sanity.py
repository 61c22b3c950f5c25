"""Adebayo sanity checks of one method: cascading randomisation of the trained network
(on a sample of validation crops) and, with the shuffled control, label randomisation."""

from eegvis.analyses.attribution_maps import crop_attribution, sample_crops
from eegvis.evaluation.sanity import cascading_similarity, label_randomisation_similarity
from eegvis.maps import read_maps
from eegvis.models.io import load_model
from eegvis.pipeline.jobs import job_info, job_subjects, start_job
from eegvis.utils.devices import resolve_device
from eegvis.utils.io import atomic_output

log = start_job(snakemake)
method, settings = snakemake.wildcards.method, snakemake.params.sanity
model, metadata = load_model(snakemake.input.model, resolve_device(snakemake.params.device))
classes, info = metadata["classes"], job_info(snakemake)
crops, labels = sample_crops(
    job_subjects(snakemake, classes),
    model,
    info,
    settings["n_crops"],
    len(snakemake.input.epochs),
    input_length=metadata["input_time_length"],
)
log.info("%s: cascading randomisation on %d validation crops", method, len(crops))


def explain(network):
    """The method's map as the workflow tests and shows it: the class contrast (Haufe: pattern)."""
    attribution, contrast = crop_attribution(
        network,
        crops,
        labels,
        info["sfreq"],
        len(classes),
        method,
        batch_size=snakemake.params.batch_size,
        **snakemake.params.options,
    )
    return attribution if contrast is None else contrast


cascading = cascading_similarity(
    model, explain, info, seed=settings["seed"], method=method, network="trained"
)
log.info("Similarity to the trained network's map:\n%s", cascading.to_string(index=False))
with atomic_output(snakemake.output.cascading) as path:
    cascading.to_csv(path, index=False)
# Label randomisation: the subject-mean maps of the trained and the shuffled network.
maps = [read_maps(path).eegvis.map.mean("subject") for path in snakemake.input.maps]
if len(maps) == 2:
    shuffled = label_randomisation_similarity(*maps, info, method=method, network="shuffled")
else:  # no shuffled control: no rows
    shuffled = cascading.iloc[:0][["method", "network", "metric", "similarity"]]
with atomic_output(snakemake.output.labels) as path:
    shuffled.to_csv(path, index=False)
