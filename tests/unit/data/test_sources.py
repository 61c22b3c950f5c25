"""MOABB datasets as a source, offline with MOABB's FakeDataset."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from conftest import HGD_CHANNELS

from eegvis.data.epochs import epoch_subject
from eegvis.data.recordings import RecordingError
from eegvis.data.sources import fetch_moabb_subject as fetch_subject
from eegvis.data.sources import read_bids_subject

CLASSES = ("left_hand", "right_hand", "feet", "tongue")
CHANNELS = ["C4", "C3", "Cz", "FC3", "FC4", "CP3", "CP4", "Pz"]
FAKE = dict(
    event_list=CLASSES,
    n_sessions=2,
    n_runs=1,
    n_subjects=3,
    sfreq=128,
    duration=40,
    n_events=8,
    seed=1,
    channels=("Fz", *CHANNELS),
)


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    path = tmp_path_factory.mktemp("moabb") / "S002_raw.fif"
    return fetch_subject("FakeDataset", 2, path, FAKE, channels=CHANNELS)


def test_runs_are_saved_as_one_labelled_recording(fetched):
    raw = mne.io.read_raw_fif(fetched, verbose="error")
    assert raw.ch_names == CHANNELS  # the configured channels, in their order
    assert raw.info["sfreq"] == 128
    cues = [d for d in raw.annotations.description if d in CLASSES]
    assert len(cues) == 2 * 8  # both sessions' events, named after their classes
    assert "BAD boundary" in raw.annotations.description  # no epoch spans the join
    assert np.isfinite(raw.get_montage().get_positions()["ch_pos"]["C3"]).all()


def test_fetched_recording_is_epoched_like_any_other(fetched):
    epochs, summary = epoch_subject(
        2, [fetched], [0], {name: name for name in CLASSES}, 0.0, 3.0, sfreq=100.0
    )
    assert summary.resampled and summary.original_sfreq == [128.0]
    assert sum(summary.n_trials.values()) + len(summary.dropped) == 16
    assert set(epochs.metadata["label"]) == set(CLASSES)
    assert epochs.get_data().shape[1:] == (len(CHANNELS), 301)


def test_bad_dataset_subject_and_channels_are_named(tmp_path):
    with pytest.raises(RecordingError, match="dataset.moabb.dataset: .* no dataset 'Nope'"):
        fetch_subject("Nope", 1, tmp_path / "S001_raw.fif")
    with pytest.raises(RecordingError, match=r"subjects: FakeDataset subject 9 is not in"):
        fetch_subject("FakeDataset", 9, tmp_path / "S009_raw.fif", FAKE)
    with pytest.raises(RecordingError, match=r"channels \['Oz'\] are not recorded"):
        fetch_subject("FakeDataset", 1, tmp_path / "S001_raw.fif", FAKE, channels=["C3", "Oz"])
    assert not list(tmp_path.iterdir())  # nothing partial left behind


def test_physionet_through_moabb_gives_the_native_trials(eegbci_dir, tmp_path, monkeypatch):
    """MOABB's PhysionetMI on the shared files staged in MNE's layout (no network).

    MOABB first asks its NEMAR mirror for the subject, retrying for about 40 s without a
    network; the "upstream" provider skips that and reads the staged files directly.
    """
    from moabb.datasets import PhysionetMI

    staged = tmp_path / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0" / "S001"
    staged.mkdir(parents=True)
    files = [eegbci_dir / "S001" / f"S001R{run:02d}.edf" for run in (4, 8, 12)]
    for path in files:
        (staged / path.name).write_bytes(path.read_bytes())
    monkeypatch.setenv("MNE_DATASETS_EEGBCI_PATH", str(tmp_path))
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.setenv("MOABB_DOWNLOAD_PROVIDER", "upstream")
    dataset = PhysionetMI(imagined=True, executed=False)
    dataset.feet_runs = []  # runs 4, 8, 12 only: left vs right fist
    path = fetch_subject(dataset, 1, tmp_path / "S001_raw.fif")
    classes = ("left_hand", "right_hand")
    through_moabb, _ = epoch_subject(1, [path], [0], {c: c for c in classes}, 1.0, 4.1, 160.0)
    codes = {"left_hand": "T1", "right_hand": "T2"}
    native, _ = epoch_subject(1, files, [4, 8, 12], codes, 1.0, 4.1, 160.0)
    assert through_moabb.ch_names == native.ch_names
    assert through_moabb.metadata["label"].tolist() == native.metadata["label"].tolist()
    np.testing.assert_allclose(through_moabb.get_data(), native.get_data(), rtol=0, atol=1e-12)


def test_a_bids_dataset_gives_the_native_trials(eegbci_dir, tmp_path):
    """The shared EEGBCI runs written to BIDS with mne-bids, read back through the source."""
    from mne_bids import BIDSPath, write_raw_bids

    from eegvis.data.recordings import read_run

    files = [eegbci_dir / "S001" / f"S001R{run:02d}.edf" for run in (4, 8, 12)]
    root = tmp_path / "bids"
    for run, path in zip(("04", "08", "12"), files, strict=True):
        raw = read_run(path)  # standard channel names and positions
        bids_path = BIDSPath(subject="001", task="imagery", run=run, root=root, datatype="eeg")
        write_raw_bids(raw, bids_path, allow_preload=True, format="EDF", verbose="error")
    path = read_bids_subject(root, 1, tmp_path / "S001_raw.fif", task="imagery")
    codes = {"left_hand": "T1", "right_hand": "T2"}
    through_bids, _ = epoch_subject(1, [path], [0], codes, 1.0, 4.1, 160.0)
    native, _ = epoch_subject(1, files, [4, 8, 12], codes, 1.0, 4.1, 160.0)
    assert through_bids.ch_names == native.ch_names
    assert through_bids.metadata["label"].tolist() == native.metadata["label"].tolist()
    # EDF stores 16-bit samples: the written copy differs by at most one quantisation step
    step = np.abs(np.diff(np.unique(native.get_data()[0, 0]))).min()
    np.testing.assert_allclose(through_bids.get_data(), native.get_data(), rtol=0, atol=step)
    with pytest.raises(RecordingError, match=r"no sub-<label> for subject 7"):
        read_bids_subject(root, 7, tmp_path / "S007_raw.fif", task="imagery")
    with pytest.raises(RecordingError, match=r"no recording for sub-001_task-rest"):
        read_bids_subject(root, 1, tmp_path / "S001_raw.fif", task="rest", runs=["04"])


@pytest.mark.slow
def test_the_high_gamma_channels_at_500_hz_go_through_an_analysis_to_a_figure(tmp_path):
    """The paper's 44 sensorimotor channels (FFC5h ...) at 500 Hz, resampled to 250 Hz."""
    import yaml
    from conftest import REPO

    import eegvis
    from eegvis.models import Deep4Net

    config = yaml.safe_load((REPO / "config" / "hgd.yaml").read_text())
    channels = config["dataset"]["moabb"]["channels"]
    options = dict(FAKE, n_subjects=2, n_sessions=1, sfreq=500, channels=channels)
    options["event_list"] = ("right_hand", "left_hand", "rest", "feet")
    pieces = []
    for subject in (1, 2):
        path = fetch_subject("FakeDataset", subject, tmp_path / f"S{subject}_raw.fif", options)
        codes = {name: name for name in options["event_list"]}
        epochs, _ = epoch_subject(subject, [path], [0], codes, 0.0, 2.0, 250.0)
        pieces.append(epochs)
    epochs = mne.concatenate_epochs(pieces, verbose="error")
    assert epochs.ch_names == channels and epochs.info["sfreq"] == 250.0
    model = Deep4Net(44, 4, 500, final_conv_length=1, pool_time_stride=2, random_state=0)
    maps = eegvis.gradient_maps(model, epochs, batch_size=32)
    assert maps.sizes == {"subject": 2, "channel": 44, "frequency": 251, "class": 4}
    bands = maps.eegvis.band_means({"alpha": (7, 13), "high_gamma": (71, 91)})
    figure = bands.eegvis.plot(mask=bands.eegvis.test()["significant"])
    assert len(figure.axes) >= 2 * 4


def test_128_channels_are_fetched_epoched_positioned_and_drawn(tmp_path):
    """A montage like the paper's: every channel keeps a distinct position and is drawn."""
    import matplotlib.pyplot as plt

    from eegvis.viz.topomaps import eeg_info, plot_map_grid, scalp_positions

    assert len(set(HGD_CHANNELS)) == 128
    options = {**FAKE, "channels": HGD_CHANNELS, "n_sessions": 1, "duration": 30}
    path = fetch_subject("FakeDataset", 1, tmp_path / "S001_raw.fif", options)
    raw = mne.io.read_raw_fif(path, verbose="error")
    assert raw.ch_names == HGD_CHANNELS
    head = raw.get_montage().get_positions()["ch_pos"]
    assert all(np.isfinite(head[name]).all() for name in HGD_CHANNELS)

    epochs, _ = epoch_subject(1, [path], [0], {name: name for name in CLASSES}, 0.0, 2.0, 128.0)
    assert epochs.get_data().shape[1] == 128

    pos, sphere = scalp_positions(eeg_info(HGD_CHANNELS))
    gaps = np.linalg.norm(pos[:, None] - pos[None], axis=-1) + np.eye(128)
    assert gaps.min() > 0.005  # no two channels share a spot on the map (metres)
    c3, c4, fz, pz = (HGD_CHANNELS.index(n) for n in ("C3", "C4", "Fz", "Pz"))
    assert pos[c3, 0] < 0 < pos[c4, 0] and pos[pz, 1] < pos[fz, 1]
    values = np.zeros((1, 1, 128))
    values[0, 0, c3] = 1.0
    fig = plot_map_grid(values, ["mu"], ["trained"], HGD_CHANNELS, title="128", cbar_label="r")
    try:
        (ax,) = [a for a in fig.axes if a.images]
        assert len(ax.images) == 1
    finally:
        plt.close(fig)
