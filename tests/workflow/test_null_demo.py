"""The demo without its planted effect, through the whole workflow: no class map may find anything.

Same generator, seed and subjects as the demo, with ``dataset.planted_effect: false``
(the recordings then hold no class difference at all) and both controls. Every map
whose null hypothesis is "no class information in the data" must have no significant
channel: envelope–class, the gradient attribution, and the trained − control contrasts
of the envelope–activation maps. Maps of fixed networks (their envelope–activation
correlations, their plain amplitude gradients and their perturbation maps, which
estimate the gradients' sensitivity with sampling noise) are *not* null under that
hypothesis: every subject sees the same networks, so what they respond to is
consistent across subjects whatever the labels. The test records that too, because it
is why the attribution exists.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, run_snakemake, write_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def null_demo(tmp_path_factory):
    target = copy_workflow(tmp_path_factory.mktemp("null") / "workflow")
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["name"] = "null"
    config["dataset"]["planted_effect"] = False
    config["controls"] = ["untrained", "shuffled"]
    config["training"]["epochs"] = 6  # enough to fit noise in the training trials
    config["perturbation"]["n_iterations"] = 4
    config["attribution"] = {"methods": ["saliency", "deeplift"], "sanity": {"n_crops": 16}}
    path = write_config(target, config)
    run_snakemake(target, "--cores", "2", "--configfile", str(path))
    return target / "results" / "null"


def significant(results, analysis: str) -> pd.DataFrame:
    table = pd.read_csv(results / "statistics" / f"{analysis}.csv", keep_default_na=False)
    assert (table["n_subjects"] == 10).all() and (table["n_permutations"] == 512).all()
    return table[table["significant"]]


def test_nothing_was_planted(null_demo):
    assert json.loads((null_demo / "raw" / "planted_effect.json").read_text())["planted"] is False
    for name in ("history", "shuffled_history"):
        history = pd.read_csv(null_demo / "models" / f"{name}.csv")
        assert history["valid_misclass"].iloc[-1] > 0.3  # nothing to learn: near chance


@pytest.mark.parametrize("analysis", ["envelope_class", "attribution"])
def test_class_maps_have_no_significant_channel(null_demo, analysis):
    assert significant(null_demo, analysis).empty


@pytest.mark.parametrize("method", ["saliency", "deeplift"])
def test_attribution_class_contrasts_are_calibrated(null_demo, method):
    """The class contrast of any method is symmetric around zero when the data hold no
    class difference, whatever the network: each of its families (5 contrasts x 2
    classes, tmax at alpha 0.05) has a significant cell with probability 0.05, so at
    most one of the ten may (two or more: probability 0.09 under the null)."""
    table = pd.read_csv(null_demo / "statistics" / f"{method}.csv", keep_default_na=False)
    families = table.groupby(["contrast", "class"])["significant"].any()
    assert len(families) == 10 and families.sum() <= 1, families[families]


def test_perturbation_finds_only_what_the_gradient_finds(null_demo):
    """The perturbation map of a fixed network estimates the network's sensitivity, as
    its noise-free limit, the gradient map, does: not null here (see the next test). It
    is too noisy to find most of it; what it finds, the gradient must find too, in the
    same network or contrast, class and channel, with the same sign."""
    found = significant(null_demo, "perturbation")
    gradient = pd.read_csv(null_demo / "statistics" / "gradient.csv", keep_default_na=False)
    key = ["contrast", "band", "class", "channel"]
    both = found.merge(gradient, on=key, suffixes=("", "_gradient"), validate="one_to_one")
    assert len(both) == len(found)
    assert both["significant_gradient"].all(), both
    assert (np.sign(both["mean"]) == np.sign(both["mean_gradient"])).all(), both


def test_training_contrasts_of_envelope_activation_are_near_zero(null_demo):
    """The maps summarise each layer by its units' mean |r| (the paper's Fig. 15). Training
    on labels that carry nothing still changes how strongly the units follow band power, a
    little and the same way in every subject (the networks are fixed), so this contrast is
    not exactly null here: measured, 2 of 1920 cells significant and mean differences up
    to 0.047 (99% within 0.031), against 0.3-0.6 at the planted sites in the demo."""
    table = pd.read_csv(null_demo / "statistics" / "envelope_activation.csv")
    contrasts = table[table["contrast"].isin(["trained-untrained", "trained-shuffled"])]
    assert len(contrasts) == 2 * 5 * 3 * 64
    assert contrasts["mean"].abs().max() < 0.1
    assert contrasts["significant"].mean() < 0.01


def test_plain_gradient_of_a_fixed_network_is_consistent_across_subjects(null_demo):
    # Not a false positive of the test: the untrained network's sensitivity to mu
    # amplitude is the same function for every subject, so it is significant even here.
    found = significant(null_demo, "gradient")
    assert (found["contrast"] == "untrained").sum() > 10


def test_shuffled_control_sits_beside_the_trained_network(null_demo):
    table = pd.read_csv(null_demo / "statistics" / "attribution.csv", keep_default_na=False)
    contrasts = set(table["contrast"])
    assert {"shuffled", "trained-shuffled", "untrained", "trained-untrained"} <= contrasts
    assert (null_demo / "figures" / "attribution_mu.png").stat().st_size > 10_000
