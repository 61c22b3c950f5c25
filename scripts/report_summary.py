"""Write the report's first page: the run's results summary, then the workflow's description."""

from pathlib import Path

import pandas as pd

from eegvis.pipeline.logs import log_to_file
from eegvis.pipeline.summary import RunTables, summary_page
from eegvis.utils.io import atomic_output
from eegvis.viz.labels import ANALYSIS_TITLES

log = log_to_file(snakemake.log[0])
inputs, params = snakemake.input, snakemake.params
tables = RunTables(
    epochs=pd.read_csv(inputs.epochs),
    classes=params.classes,
    histories=dict(zip(params.networks, map(pd.read_csv, inputs.histories), strict=True)),
    statistics=dict(zip(params.analyses, map(pd.read_csv, inputs.statistics), strict=True)),
    reliability=pd.read_csv(inputs.reliability),
    reliance=pd.read_csv(inputs.reliance),
    sanity=pd.read_csv(inputs.sanity) if "sanity" in inputs.keys() else None,
    quality=pd.read_csv(inputs.quality) if "quality" in inputs.keys() else None,
)
page = summary_page(tables, data_note=params.data, headline=inputs.headline, titles=ANALYSIS_TITLES)
# Snakemake renders the page with Jinja (the description's config): the summary is literal.
description = Path(inputs.description).read_text()
with atomic_output(snakemake.output[0]) as path:
    path.write_text(f"{{% raw %}}\n{page}{{% endraw %}}\n\n{description}")
log.info("Results summary of %d analyses written", len(tables.statistics))
