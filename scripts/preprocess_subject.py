"""Clean one subject's runs (line noise, ICA with ICLabel, channel selection) for the analyses."""

from eegvis.data.download import verify_checksums
from eegvis.data.recordings import read_runs
from eegvis.pipeline.logs import log_to_file
from eegvis.preprocessing.subject import preprocess_runs
from eegvis.utils.io import atomic_output, write_json

log_to_file(snakemake.log[0])
params = snakemake.params
if params.verify_checksums:
    verify_checksums(params.recordings)
subject = int(snakemake.wildcards.subject)
runs = [raw for raw, _ in read_runs(params.recordings, params.sfreq)]
cleaned, cleaning = preprocess_runs(
    runs,
    subject,
    notch=params.preprocessing["notch"],
    ica=params.preprocessing.get("ica"),
    channels=params.channels,
)
if cleaning is not None:
    json_path, ica_path = snakemake.output.ica
    with atomic_output(ica_path) as path:
        cleaning.ica.save(path, overwrite=True)
    write_json(json_path, cleaning.to_record())
for raw, output in zip(cleaned, snakemake.output.runs, strict=True):
    with atomic_output(output) as path:
        raw.save(path, overwrite=True)
