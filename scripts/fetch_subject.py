"""Download (or, for the synthetic dataset, generate) one subject's recordings.

MOABB and BIDS datasets are read (MOABB: fetched) and saved as one FIF file per subject.

Downloaded files are verified and recorded in a small JSON file, the job's only output
(so that Snakemake never deletes real recordings when it reruns this job).
"""

from eegvis.logs import log_to_file

log = log_to_file(snakemake.log[0])
subject = int(snakemake.wildcards.subject)
params = snakemake.params

if params.source == "eegbci":
    from eegvis.download import fetch_subject, sha256
    from eegvis.io import write_json

    paths = fetch_subject(subject, params.runs, params.data_dir, params.base_url)
    files = {path.as_posix(): sha256(path) for path in paths}
    write_json(snakemake.output[0], {"subject": subject, "sha256": files})
elif params.source == "moabb":
    from eegvis.sources import fetch_moabb_subject

    source = params.moabb
    paths = [
        fetch_moabb_subject(
            source["dataset"],
            subject,
            snakemake.output[0],
            source.get("options"),
            source.get("channels"),
        )
    ]
elif params.source == "bids":
    from eegvis.sources import read_bids_subject

    bids = params.bids
    paths = [
        read_bids_subject(
            bids["root"],
            subject,
            snakemake.output[0],
            bids["task"],
            bids.get("session"),
            bids.get("runs"),
            bids.get("channels"),
        )
    ]
else:
    from eegvis.synthetic import write_subject

    paths = write_subject(subject, params.runs, params.root, params.seed, planted=params.planted)
log.info("Subject %d: %d recordings ready", subject, len(paths))
