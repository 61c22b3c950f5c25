"""Download (or, for the synthetic dataset, generate) one subject's EDF files."""

from eegvis.logs import log_to_file

log = log_to_file(snakemake.log[0])
subject = int(snakemake.wildcards.subject)
params = snakemake.params

if params.source == "eegbci":
    from eegvis.download import fetch_subject

    fetch_subject(subject, params.runs, params.data_dir, params.base_url)
else:
    from eegvis.synthetic import write_subject

    write_subject(subject, params.runs, params.root, params.seed, planted=params.planted)
log.info("Subject %d: %d recordings ready", subject, len(snakemake.output))
