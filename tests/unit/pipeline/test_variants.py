import pytest

from eegvis.pipeline.variants import deep_merge, variant_configs


def test_deep_merge_merges_mappings_and_replaces_the_rest():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 3}
    merged = deep_merge(base, {"a": {"c": [9]}, "e": {"f": 1}})
    assert merged == {"a": {"b": 1, "c": [9]}, "d": 3, "e": {"f": 1}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 3}
    merged["a"]["b"] = 7
    assert base["a"]["b"] == 1


def test_variants_share_the_recordings_under_their_own_name():
    config = {
        "name": "physionet",
        "dataset": {"source": "eegbci", "channels": "all", "recordings_dir": "results/p/raw"},
        "preprocessing": {"notch": None},
        "variants": {
            "ica": {"preprocessing": {"ica": {"method": "picard"}}},
            "sensorimotor": {"dataset": {"channels": "sensorimotor"}},
        },
    }
    configs = variant_configs(config)
    assert list(configs) == ["ica", "sensorimotor"]
    ica, motor = configs["ica"], configs["sensorimotor"]
    assert ica["name"] == "physionet-ica" and motor["name"] == "physionet-sensorimotor"
    assert ica["preprocessing"] == {"notch": None, "ica": {"method": "picard"}}
    assert motor["dataset"]["channels"] == "sensorimotor"
    assert motor["dataset"]["recordings_dir"] == ica["dataset"]["recordings_dir"] == "results/p/raw"
    assert "variants" not in ica and config["dataset"]["channels"] == "all"


@pytest.mark.parametrize(
    "overrides", [{"name": "x"}, {"variants": {}}, {"dataset": {"source": "synthetic"}}]
)
def test_a_variant_cannot_change_what_it_analyses(overrides):
    config = {"name": "demo", "dataset": {"source": "eegbci"}, "variants": {"bad": overrides}}
    with pytest.raises(ValueError, match="config key variants.bad: a variant cannot set"):
        variant_configs(config)
