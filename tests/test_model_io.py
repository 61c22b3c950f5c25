"""Model files: byte-identical for equal models, loadable with their metadata."""

import torch

from eegvis.model_io import build_dense_deep4, load_architecture, load_model, save_model

ARCHITECTURE = dict(
    n_chans=3,
    n_classes=2,
    input_time_length=450,
    deep4=dict(final_conv_length=1, filter_length_3=5, filter_length_4=5, pool_time_stride=2),
)


def test_equal_models_make_byte_identical_files(tmp_path):
    # Two runs of the workflow write the same weights under other (temporary) names.
    weights = build_dense_deep4(**ARCHITECTURE, seed=0).state_dict()
    first, second = tmp_path / "one" / "trained.pt", tmp_path / "two" / "untrained.pt"
    save_model(first, weights, ARCHITECTURE, {"classes": ["left_hand", "right_hand"]})
    save_model(second, weights, ARCHITECTURE, {"classes": ["left_hand", "right_hand"]})
    assert first.read_bytes() == second.read_bytes()
    model, metadata = load_model(second)
    assert load_architecture(second) == ARCHITECTURE
    assert metadata == {"classes": ["left_hand", "right_hand"]}
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, weights[name], rtol=0, atol=0)
    assert sorted(path.name for path in tmp_path.rglob("*")) == [
        "one",
        "trained.pt",
        "two",
        "untrained.pt",
    ]
