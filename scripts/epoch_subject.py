"""Cut one subject's recordings into labelled epochs (MNE .fif) plus a summary."""

from eegvis.data.download import verify_checksums
from eegvis.data.epochs import epoch_subject
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output, write_json

log_to_file(snakemake.log[0])
window = snakemake.params.epochs
if snakemake.params.verify_checksums:
    verify_checksums(snakemake.params.recordings)
epochs, summary = epoch_subject(
    int(snakemake.wildcards.subject),
    snakemake.params.recordings,
    snakemake.params.runs,
    classes=window["classes"],
    tmin=window["tmin"],
    tmax=window["tmax"],
    sfreq=window["sfreq"],
    other_sfreq=window["other_sfreq"],
)
with atomic_output(snakemake.output.epochs) as path:
    epochs.save(path)
write_json(snakemake.output.summary, summary.to_dict())
