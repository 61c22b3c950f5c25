"""Model files: byte-identical for equal models, loadable with their metadata."""

import pytest
import torch
from conftest import deep4_architecture

from eegvis.models import Deep4Net, ShallowFBCSPNet
from eegvis.models.dense import output_strides
from eegvis.models.io import (
    ModelFileError,
    architecture_from_config,
    build_dense_network,
    build_network,
    import_class,
    load_architecture,
    load_model,
    read_state_dict,
    save_model,
)

ARCHITECTURE = deep4_architecture(3)


def test_equal_models_make_byte_identical_files(tmp_path):
    # Two runs of the workflow write the same weights under other (temporary) names.
    weights = build_dense_network(**ARCHITECTURE, seed=0).state_dict()
    first, second = tmp_path / "one" / "trained.pt", tmp_path / "two" / "untrained.pt"
    save_model(first, weights, ARCHITECTURE, {"classes": ["left_hand", "right_hand"]})
    save_model(second, weights, ARCHITECTURE, {"classes": ["left_hand", "right_hand"]})
    assert first.read_bytes() == second.read_bytes()
    model, metadata = load_model(second)
    assert load_architecture(second) == ARCHITECTURE
    assert metadata == {"classes": ["left_hand", "right_hand"], "input_time_length": 450}
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, weights[name], rtol=0, atol=0)
    assert sorted(path.name for path in tmp_path.rglob("*")) == [
        "one",
        "trained.pt",
        "two",
        "untrained.pt",
    ]


STRIDED = dict(
    n_chans=4,
    n_classes=2,
    n_times=450,
    final_conv_length=1,
    pool_time_stride=2,
    stride_before_pool=True,
)


def test_any_class_is_rebuilt_from_its_name_and_seeded_like_a_fresh_instance(tmp_path):
    architecture = {"class": "eegvis.models:Deep4Net", "kwargs": STRIDED, "input_time_length": 450}
    model = build_network(architecture, seed=3)
    state = torch.get_rng_state()
    assert torch.equal(build_network(architecture, seed=3).conv_2.weight, model.conv_2.weight)
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is untouched
    assert torch.equal(Deep4Net(**STRIDED, random_state=3).conv_2.weight, model.conv_2.weight)
    path = tmp_path / "model.pt"
    save_model(path, model.state_dict(), architecture, {"classes": ["a", "b"]})
    loaded, metadata = load_model(path)
    assert isinstance(loaded, Deep4Net) and loaded.conv_spat.stride == (2, 1)  # not dense
    assert metadata == {"classes": ["a", "b"], "input_time_length": 450}


def test_bad_class_names_and_checkpoints_are_named(tmp_path):
    with pytest.raises(ModelFileError, match="model.class: expected 'package.module:Class'"):
        import_class("eegvis.models.Deep4Net")
    with pytest.raises(ModelFileError, match="model.class: cannot import 'eegvis.nope:Net'"):
        import_class("eegvis.nope:Net")
    with pytest.raises(ModelFileError, match="not a torch.nn.Module subclass"):
        import_class("eegvis.models:BLOCK_OUTPUTS")
    path = tmp_path / "weights.pt"
    path.write_text("not weights")
    with pytest.raises(ModelFileError, match=f"model.checkpoint {path}: not a readable"):
        read_state_dict(path)
    weights = Deep4Net(**STRIDED).state_dict()
    torch.save({"epoch": 3, "model_state_dict": weights}, path)
    assert read_state_dict(path).keys() == weights.keys()
    torch.save({"epoch": 3}, path)
    with pytest.raises(ModelFileError, match="holds no state dict"):
        read_state_dict(path)


#: A validated config's model section: both networks' options, defaults filled.
MODEL_SECTION = {
    "input_time_length": 450,
    "architecture": "deep4",
    "deep4": ARCHITECTURE["deep4"],
    "shallow": {"n_filters_time": 8},
    "kwargs": {},
}


def test_architecture_of_an_eegvis_network_from_the_config():
    architecture = architecture_from_config(MODEL_SECTION, n_chans=3, n_classes=2)
    assert architecture == ARCHITECTURE  # the chosen network's options only
    model = build_network(architecture, seed=4)
    reference = build_dense_network(**ARCHITECTURE, seed=4)
    assert isinstance(model, Deep4Net) and set(output_strides(model).values()) == {1}
    for name, value in reference.state_dict().items():
        assert torch.equal(model.state_dict()[name], value), name
    shallow = architecture_from_config(
        MODEL_SECTION | {"architecture": "shallow", "input_time_length": 500}, 5, 4
    )
    assert shallow == {
        "n_chans": 5,
        "n_classes": 4,
        "input_time_length": 500,
        "shallow": {"n_filters_time": 8},
    }
    network = build_network(shallow, seed=0)
    assert isinstance(network, ShallowFBCSPNet) and network.conv_time.out_channels == 8


def test_architecture_of_a_class_trained_elsewhere_from_the_config():
    section = MODEL_SECTION | {
        "class": "eegvis.models:Deep4Net",
        "kwargs": STRIDED,
        "checkpoint": "trained/weights.pt",
    }
    architecture = architecture_from_config(section, n_chans=64, n_classes=3)
    assert architecture == {
        "input_time_length": 450,
        "class": "eegvis.models:Deep4Net",
        "kwargs": STRIDED,
    }  # its own channels and classes; the weights are read elsewhere
    model = build_network(architecture, seed=3)
    assert torch.equal(model.conv_2.weight, Deep4Net(**STRIDED, random_state=3).conv_2.weight)
    assert model.conv_time.weight.shape[0] == Deep4Net(**STRIDED).conv_time.weight.shape[0]
    assert model.conv_spat.stride == (2, 1)  # as it was defined, not converted to dense
