"""Share of each network's gradient and attribution per scalp region and frequency range."""

from eegvis.diagnostics.artifact_reliance import reliance_table, reliance_warnings
from eegvis.maps import read_maps
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output

log = log_to_file(snakemake.log[0])
maps = {
    network: read_maps(path)
    for network, path in zip(snakemake.params.networks, snakemake.input, strict=True)
}
table = reliance_table(maps)
for message in reliance_warnings(table):
    log.warning("Artifact reliance: %s", message)
with atomic_output(snakemake.output[0]) as path:
    table.to_csv(path, index=False)
