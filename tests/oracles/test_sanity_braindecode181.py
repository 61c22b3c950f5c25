"""eegvis.evaluation.sanity against braindecode 1.8.1's ``visualization.sanity``,
``topology`` and ``metrics`` (its cascading layer reset, scalp projection and SSIM)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import SMALL_DEEP4
from mne.channels.layout import _find_topomap_coords
from torch import nn

from eegvis.data.eegbci import CHANNELS
from eegvis.evaluation._images import scalp_image, topomap_positions
from eegvis.evaluation.sanity import cascading_randomisation, ssim_similarity
from eegvis.models import Deep4Net
from eegvis.viz.topomaps import eeg_info


@pytest.fixture(scope="module")
def info():
    return eeg_info(CHANNELS)  # the standard 10-05 positions of the 64 EEGBCI channels


@pytest.fixture(scope="module")
def sanity(braindecode181):
    return braindecode181("sanity")


@pytest.fixture(scope="module")
def metrics(braindecode181):
    return braindecode181("metrics")


@pytest.fixture(scope="module")
def topology(braindecode181):
    return braindecode181("topology")


def as_if_trained(model: nn.Module) -> nn.Module:
    """``model`` with every parameter and statistic off its initial value."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for state in model.state_dict().values():
            state.add_(torch.rand(state.shape, generator=generator).to(state.dtype) + 1)
    return model


def changed(original: nn.Module, other: nn.Module) -> list[str]:
    """Names of the modules with a parameter or buffer of their own that differs."""
    theirs = dict(other.named_modules())
    return [
        name
        for name, module in original.named_modules()
        if any(
            not torch.equal(value, theirs[name].state_dict()[key])
            for key, value in module.state_dict().items()
            if "." not in key
        )
    ]


def small_network() -> nn.Module:
    """Nested containers, a 1-D convolution, a batch norm, a linear layer."""
    return nn.Sequential(
        nn.Conv1d(3, 4, 5),
        nn.BatchNorm1d(4),
        nn.ELU(),
        nn.Sequential(nn.Conv1d(4, 4, 3), nn.ReLU(), nn.Dropout(0.1)),
        nn.Flatten(),
        nn.Linear(4 * 6, 2),
    )


NETWORKS = {
    "deep4": lambda: Deep4Net(len(CHANNELS), 2, 450, random_state=0, **SMALL_DEEP4),
    "small": small_network,
}


@pytest.mark.parametrize("network", NETWORKS)
def test_the_same_layers_in_the_same_order_as_cascading_layer_reset(sanity, network):
    model = as_if_trained(NETWORKS[network]())
    theirs = []
    for name, reset in sanity.cascading_layer_reset(model):  # one copy, changed in place
        theirs.append((name, changed(model, reset)))
    ours = [
        (name, changed(model, randomised)) for _, name, randomised in cascading_randomisation(model)
    ]
    assert ours == theirs
    assert len(ours) == sum(1 for m in model.modules() if list(m.parameters(recurse=False)))


def test_differences_from_cascading_layer_reset(sanity):
    class Scale(nn.Module):  # parameters, but no reset_parameters
        def __init__(self) -> None:
            super().__init__()
            self.factor = nn.Parameter(torch.ones(4))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * self.factor

    model = nn.Sequential(nn.Linear(3, 4), Scale(), nn.Linear(4, 2))
    steps = list(sanity.cascading_layer_reset(model))
    # braindecode skips it, leaving its trained weights in the "fully randomised" copy ...
    assert [name for name, _ in steps] == ["2", "0"]
    assert all(reset is steps[0][1] for _, reset in steps)  # ... and yields one object
    with pytest.raises(TypeError, match="'1' \\(Scale\\)"):  # eegvis refuses the network
        cascading_randomisation(model)
    # a batch norm with neither parameters nor statistics: a step for braindecode only
    stateless = nn.Sequential(
        nn.Linear(3, 4), nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    )
    assert [name for name, _ in sanity.cascading_layer_reset(stateless)] == ["1", "0"]
    assert [name for _, name, _ in cascading_randomisation(stateless)] == ["0"]


def test_convolutions_get_eegvis_initialisation_not_pytorchs(sanity):
    model = as_if_trained(NETWORKS["deep4"]())
    *_, (_, reset) = sanity.cascading_layer_reset(model)
    *_, (_, _, ours) = cascading_randomisation(model)
    fan_in = model.conv_2.weight[0].numel()
    assert reset.conv_2.weight.abs().max() <= 1 / np.sqrt(fan_in)  # Kaiming uniform (a=√5)
    assert ours.conv_2.weight.abs().max() > 1 / np.sqrt(fan_in)  # Xavier uniform: wider


def test_positions_are_the_ones_mne_draws(info):
    expected = _find_topomap_coords(info, picks=list(range(len(CHANNELS))), sphere=None)
    np.testing.assert_allclose(topomap_positions(info), expected, rtol=0, atol=1e-15)


def test_scalp_image_is_project_to_topomap(topology, info):
    values = np.random.default_rng(0).standard_normal(len(CHANNELS))
    theirs = topology.project_to_topomap(values, info["chs"], res=48)
    np.testing.assert_allclose(
        scalp_image(values, info, 48), np.nan_to_num(theirs), rtol=0, atol=1e-12
    )


def test_ssim_similarity_is_braindecodes_absolute_normalised_ssim(metrics, topology, info):
    rng = np.random.default_rng(1)
    for a, b in [rng.standard_normal((2, len(CHANNELS), 5)), rng.gamma(1.0, size=(2, 64, 1))]:
        ours = ssim_similarity(a, b, info)
        magnitudes = [np.abs(x).mean(axis=1) for x in (a, b)]
        images = []
        for values in magnitudes:
            image = np.abs(np.nan_to_num(topology.project_to_topomap(values, info["chs"])))
            images.append((image - image.min()) / np.ptp(image))
        assert ours == pytest.approx(metrics._ssim_uniform(*images, 7, 1.0), abs=1e-12)
        scores, n_skipped = metrics.compute_ssim_metrics(
            magnitudes[0][None, :, None],
            magnitudes[1][None, :, None],
            info["chs"],
            abs_reference=True,
            abs_explanation=True,
        )
        assert n_skipped == 0
        assert ours == pytest.approx(
            scores[0, metrics.SSIM_METRIC_NAMES.index("SSIM_absnorm")], abs=1e-12
        )
        assert ours < 0.99
