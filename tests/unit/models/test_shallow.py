"""ShallowFBCSPNet against braindecode 0.4.85: children, initialisation, outputs, dense."""

from __future__ import annotations

import pytest
import torch
from braindecode.models.shallow_fbcsp import ShallowFBCSPNet as BraindecodeShallow
from braindecode.torch_ext.util import set_random_seeds
from test_deep4 import assert_seeded_like_braindecode, outputs_with_braindecode_weights

from eegvis.models import ShallowFBCSPNet
from eegvis.models.dense import analytic_field

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
    assert_seeded_like_braindecode(ShallowFBCSPNet, braindecode_network, CONFIGS[config])


@pytest.mark.parametrize("config", CONFIGS)
def test_same_weights_give_braindecode_outputs_strided_and_dense(config):
    n_times = CONFIGS[config][2]
    ours, (actual, expected), dense = outputs_with_braindecode_weights(
        ShallowFBCSPNet, braindecode_network, CONFIGS[config]
    )
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)
    actual, expected = dense
    assert actual.shape == expected.shape
    assert expected.shape[-1] == n_times + 40 - analytic_field(ours) + 1
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)
