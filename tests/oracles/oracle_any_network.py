"""eegvis's analyses on braindecode 0.8.1's networks: a test oracle run in a subprocess.

Run with ``PYTHONPATH`` set to the folder of the ``braindecode081_dir`` fixture, so
that braindecode 0.8.1 shadows the venv's 0.4.85::

    python oracle_any_network.py OUTPUT_DIR

Writes, for eegvis's strided Deep4Net (``deep4_eegvis``), braindecode 0.8.1's Deep4Net
with the same weights (``deep4_braindecode``; both in float64), ``ShallowFBCSPNet``
and ``EEGNetv4``:
``<network>_<analysis>.nc`` for the four analyses of :mod:`eegvis.analyses` on the same
epochs, and ``geometry.json`` with every probed layer's receptive field.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import sys
from pathlib import Path

import mne
import torch

from eegvis.models import SEED_000_OPTIONS

#: The tests' folder: its conftest's helpers serve this script too.
TESTS = Path(__file__).resolve().parents[1]

CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"]
SFREQ, N_TIMES, TRIAL_SAMPLES = 160.0, 450, 560
BANDS = {"mu": (7.0, 13.0), "beta": (13.0, 30.0)}
# The tutorial's Deep4Net with the strides in the pooling: braindecode 0.8.1 dropped the
# stride of the first block's spatial convolution, so with stride_before_pool=True its
# Deep4Net is not the paper's (braindecode 0.4's, eegvis's) network.
DEEP4_OPTIONS = dict(SEED_000_OPTIONS, stride_before_pool=False)
DEEP4_LAYERS = ["pool_nonlin", "pool_nonlin_2", "pool_nonlin_3", "pool_nonlin_4"]


def make_epochs() -> mne.EpochsArray:
    """Two subjects, eight trials each; class 1 ("right") has less 10 Hz power over C3."""
    sys.path.insert(0, str(TESTS))
    from conftest import lateralized_mu_epochs

    return lateralized_mu_epochs(
        CHANNELS, TRIAL_SAMPLES, seed=0, n_subjects=2, n_trials=8, sfreq=SFREQ
    )


def copy_weights(ours: torch.nn.Module, theirs: torch.nn.Module) -> None:
    """Load eegvis's Deep4Net weights into braindecode 0.8.1's (classifier renamed)."""
    state = {
        key.replace("conv_classifier", "final_layer.conv_classifier"): value
        for key, value in ours.state_dict().items()
    }
    theirs.load_state_dict(state, strict=True)


def run_analyses(name: str, model: torch.nn.Module, epochs, layers, out: Path) -> None:
    import eegvis

    kwargs = dict(classes=["left", "right"], input_length=N_TIMES)
    maps = {
        "envelope_activation": eegvis.envelope_activation_maps(
            model, epochs, BANDS, layers, **kwargs
        ),
        "envelope_class": eegvis.envelope_class_maps(epochs, BANDS, model, **kwargs),
        "gradient": eegvis.gradient_maps(model, epochs, **kwargs),
        "perturbation": eegvis.perturbation_maps(model, epochs, n_iterations=2, **kwargs),
    }
    for analysis, result in maps.items():
        result.eegvis.save(out / f"{name}_{analysis}.nc")


def main(output_dir: str) -> None:
    # braindecode 0.8.1 imports moabb.datasets.BNCI2014001 when MOABB is installed, a name
    # MOABB 1.7 no longer has; the oracle uses no dataset, so MOABB is hidden from it.
    sys.modules["moabb"] = None
    import braindecode
    from braindecode.models import Deep4Net as BraindecodeDeep4Net
    from braindecode.models import EEGNetv4, ShallowFBCSPNet

    import eegvis
    from eegvis.models import Deep4Net

    version = importlib.metadata.version("braindecode")
    if version != "0.8.1":
        sys.exit(f"expected braindecode 0.8.1, got {version} ({braindecode.__file__})")
    out = Path(output_dir)
    epochs = make_epochs()
    n_chans = len(CHANNELS)
    ours = Deep4Net(n_chans, 2, N_TIMES, **DEEP4_OPTIONS, random_state=0).eval()
    theirs = BraindecodeDeep4Net(n_chans, 2, n_times=N_TIMES, **DEEP4_OPTIONS).eval()
    copy_weights(ours, theirs)
    ours, theirs = ours.double(), theirs.double()  # compared to float64 rounding
    torch.manual_seed(1)
    networks = {
        "deep4_eegvis": (ours, [*DEEP4_LAYERS, "conv_classifier"]),
        "deep4_braindecode": (theirs, [*DEEP4_LAYERS, "final_layer.conv_classifier"]),
        "shallow": (ShallowFBCSPNet(n_chans, 2, n_times=N_TIMES, final_conv_length="auto"), None),
        "eegnet": (EEGNetv4(n_chans, 2, n_times=N_TIMES), None),
    }
    geometry = {}
    for name, (model, layers) in networks.items():
        model.eval()
        probed = eegvis.receptive_fields(model, n_chans, N_TIMES, layers)
        geometry[name] = {
            layer: {**dataclasses.asdict(shape), "valid": [shape.valid.start, shape.valid.stop]}
            for layer, shape in probed.items()
        }
        run_analyses(name, model, epochs, layers, out)
    (out / "geometry.json").write_text(json.dumps({"version": version, **geometry}, indent=1))
    (out / "deep4_options.json").write_text(json.dumps(DEEP4_OPTIONS))


if __name__ == "__main__":
    main(*sys.argv[1:])
