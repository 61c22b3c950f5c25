"""eegvis's analyses on networks nobody here wrote: braindecode 0.8.1's Deep4Net,
ShallowFBCSPNet and EEGNetv4 (run in a subprocess by tests/oracles/oracle_any_network.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from eegvis.maps import read_maps
from eegvis.models import Deep4Net
from eegvis.models.dense import analytic_fields

pytestmark = pytest.mark.slow
ANALYSES = ("envelope_activation", "envelope_class", "gradient", "perturbation")
ORACLE = Path(__file__).with_name("oracle_any_network.py")


@pytest.fixture(scope="module")
def oracle(braindecode081_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("any_network")
    env = {**os.environ, "PYTHONPATH": str(braindecode081_dir)}
    result = subprocess.run(
        [sys.executable, str(ORACLE), str(out)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def maps(oracle: Path, network: str, analysis: str) -> xr.Dataset:
    return read_maps(oracle / f"{network}_{analysis}.nc")


def geometry(oracle: Path) -> dict:
    probed = json.loads((oracle / "geometry.json").read_text())
    assert probed.pop("version") == "0.8.1"
    return probed


@pytest.mark.parametrize("analysis", ANALYSES)
def test_braindecode_deep4net_with_eegvis_weights_gives_eegvis_maps(oracle, analysis):
    ours, theirs = (maps(oracle, n, analysis) for n in ("deep4_eegvis", "deep4_braindecode"))
    assert len(ours.data_vars) == len(theirs.data_vars)
    # the classifier is "conv_classifier" in eegvis, "final_layer.conv_classifier" in 0.8.1
    for name, other in zip(ours.data_vars, theirs.data_vars, strict=True):
        a, b = ours[name].values, theirs[other].values
        assert a.shape == b.shape and np.isfinite(a).all()
        np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-9 * np.abs(a).max(), err_msg=name)
    assert ours["subject"].values.tolist() == [1, 2]


def test_probed_geometry_of_braindecode_deep4net_is_the_analytic_one(oracle):
    probed = geometry(oracle)
    theirs = probed["deep4_braindecode"]
    options = json.loads((oracle / "deep4_options.json").read_text())
    fields = analytic_fields(Deep4Net(8, 2, 450, **options))
    for i, layer in enumerate(["pool_nonlin", "pool_nonlin_2", "pool_nonlin_3", "pool_nonlin_4"]):
        assert theirs[layer]["field"] == fields[layer]
        assert theirs[layer]["stride"] == 2 ** (i + 1)  # pool_time_stride 2 in every block
        assert theirs[layer]["offset"] == 0
        assert theirs[layer] == probed["deep4_eegvis"][layer]
    assert theirs["final_layer.conv_classifier"]["field"] == fields["conv_classifier"]


def test_shallow_and_eegnet_geometry(oracle):
    probed = geometry(oracle)
    shallow = probed["shallow"]
    # braindecode fuses conv_time and conv_spat in CombinedConvolution: analysed as one layer
    assert list(shallow) == ["conv_time_spat", "final_layer.conv_classifier"]
    assert shallow["conv_time_spat"]["field"] == 25 and shallow["conv_time_spat"]["stride"] == 1
    # 24 pooled outputs (75 samples, stride 15) of 426 filtered ones: the last 6 inputs are unused
    assert shallow["final_layer.conv_classifier"]["field"] == 25 + 74 + 15 * 23 == 444
    eegnet = probed["eegnet"]
    temporal = eegnet["conv_temporal"]  # kernel 64 with 32 samples of padding
    assert (temporal["field"], temporal["stride"], temporal["offset"]) == (64, 1, -32)
    assert temporal["valid"] == [32, 451 - 32]  # outputs whose field is cut by padding left out
    separable = eegnet["conv_separable_depth"]  # after 4-sample pooling, kernel 16, padding 8
    assert (separable["field"], separable["stride"]) == (64 + 3 + 15 * 4, 4)


@pytest.mark.parametrize("network", ["shallow", "eegnet"])
def test_every_analysis_runs_on_other_architectures(oracle, network):
    activation = maps(oracle, network, "envelope_activation")
    assert activation.sizes["subject"] == 2 and activation.sizes["band"] == 2
    assert np.isfinite(activation["correlation"].values).all()
    for analysis in ("gradient", "perturbation"):
        result = maps(oracle, network, analysis)
        assert result.eegvis.map.dims == ("subject", "channel", "frequency", "class")
        assert np.isfinite(result.eegvis.map.values).all()


def test_envelope_class_maps_find_the_planted_mu_difference(oracle):
    """The oracle's epochs carry less 10 Hz power over C3 in class "right"."""
    pooled = maps(oracle, "eegnet", "envelope_class")["pooled"].sel(band="mu")
    right = pooled.sel({"class": "right"})
    assert float(right.sel(channel="C3")) < -0.9
    assert float(np.abs(right.drop_sel(channel="C3")).max()) < 0.5  # 32 windows: noisy
    np.testing.assert_allclose(pooled.sel({"class": "left"}), -right, atol=1e-12)
