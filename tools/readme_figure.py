"""Render the README's headline figure from a finished demo run.

The figure is the demo's Fig. 15 analogue for the bands of the planted effect:
per layer, the correlation of the band-power envelopes with the units'
activations, trained minus untrained network, beside the envelopes' correlation
with the class. Run the demo first (``snakemake --cores all``), then::

    python tools/readme_figure.py            # results/demo -> docs/_static/headline.png
    python tools/readme_figure.py RESULTS OUTPUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from eegvis.utils.io import save_figure
from eegvis.viz.envelopes import plot_envelope_activation
from eegvis.viz.labels import band_title

#: The demo's bands around its planted mu/beta effect.
BANDS = ("alpha", "beta")


def main() -> None:
    """Draw the figure from ``RESULTS``'s tables into ``OUTPUT``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("results", nargs="?", default="results/demo", type=Path)
    parser.add_argument("output", nargs="?", default="docs/_static/headline.png", type=Path)
    arguments = parser.parse_args()
    results = arguments.results
    provenance = results / "provenance.json"
    if not provenance.is_file():
        parser.error(f"{provenance} is missing: run the demo first (snakemake --cores all)")
    config = json.loads(provenance.read_text())["config"]
    bands = {band["name"]: band for band in config["bands"] if band["name"] in BANDS}
    activation = pd.read_csv(results / "statistics" / "envelope_activation.csv")
    figure = plot_envelope_activation(
        activation,
        pd.read_csv(results / "statistics" / "envelope_class.csv"),
        pd.read_csv(results / "reliability" / "envelope_activation.csv"),
        list(activation["layer"].unique()),
        list(bands),
        [band_title(name, band["low"], band["high"]) for name, band in bands.items()],
        list(activation["channel"].unique()),
        contrast=f"trained-{config['controls'][0]}",
        unit_summary=config["envelope_activation"]["unit_summary"],
        subjects=config["statistics"]["subjects"],
        title="Envelope–activation correlation, trained − untrained Deep4Net "
        f"(synthetic demo, {len(config['subjects']['train']) + len(config['subjects']['valid'])} "
        "subjects, planted mu/beta effect at C3/C4)",
    )
    save_figure(figure, [arguments.output], dpi=100)
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
