"""ShallowFBCSPNet against braindecode 0.4.85: children, initialisation, outputs, dense."""

from __future__ import annotations

import pytest
import torch
from braindecode.models.shallow_fbcsp import ShallowFBCSPNet as BraindecodeShallow
from braindecode.models.util import to_dense_prediction_model as braindecode_dense
from braindecode.torch_ext.util import set_random_seeds
from test_deep4 import assert_state_dicts_equal, randn, randomize_batch_norm_stats

from eegvis.models import ShallowFBCSPNet
from eegvis.models.dense import analytic_field, to_dense_prediction_model

CONFIGS = {
    "paper": (22, 4, 1125, dict(final_conv_length=30)),
    "auto": (8, 2, 450, dict(final_conv_length="auto")),
    "unsplit-no-batch-norm": (5, 3, 600, dict(split_first_layer=False, batch_norm=False)),
}


def braindecode_network(seed, n_chans, n_classes, n_times, **options):
    set_random_seeds(seed, cuda=False)
    network = BraindecodeShallow(n_chans, n_classes, n_times, **options)
    return network.create_network()


def test_children_match_braindecode():
    ours = [name for name, _ in ShallowFBCSPNet(22, 4, 1125).named_children()]
    theirs = [name for name, _ in braindecode_network(0, 22, 4, 1125).named_children()]
    assert ours == [name for name in theirs if name != "dimshuffle"]


@pytest.mark.parametrize("config", CONFIGS)
def test_initialisation_equals_braindecode_bit_for_bit(config):
    n_chans, n_classes, n_times, options = CONFIGS[config]
    theirs = braindecode_network(123, n_chans, n_classes, n_times, **options)
    ours = ShallowFBCSPNet(n_chans, n_classes, n_times, random_state=123, **options)
    assert_state_dicts_equal(ours.state_dict(), theirs.state_dict())


@pytest.mark.parametrize("config", CONFIGS)
def test_same_weights_give_braindecode_outputs_strided_and_dense(config):
    n_chans, n_classes, n_times, options = CONFIGS[config]
    theirs = braindecode_network(1, n_chans, n_classes, n_times, **options)
    randomize_batch_norm_stats(theirs)
    ours = ShallowFBCSPNet(n_chans, n_classes, n_times, random_state=2, **options)
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    x = randn(3, n_chans, n_times)
    with torch.no_grad():
        expected = theirs(x[..., None])
        torch.testing.assert_close(ours(x), expected, rtol=1e-5, atol=1e-5)
        braindecode_dense(theirs)
        to_dense_prediction_model(ours)
        x = randn(2, n_chans, n_times + 40, seed=1)
        expected = theirs(x[..., None])
        assert ours(x).shape == expected.shape
        assert expected.shape[-1] == n_times + 40 - analytic_field(ours) + 1
        torch.testing.assert_close(ours(x), expected, rtol=1e-5, atol=1e-5)
