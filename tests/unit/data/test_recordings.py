"""Reading and checking EEGBCI recordings (eegvis.data.recordings), on real EDF files."""

from __future__ import annotations

import logging

import mne
import numpy as np
import pytest

from eegvis.data.eegbci import CHANNELS, EDF_CHANNELS
from eegvis.data.recordings import RecordingError, check_edf_size, read_run, read_runs

#: S001R04.edf: 256 + 65 * 256 header bytes, 125 records of 64 * 160 EEG samples and 80 of the
#: annotation channel, 2 bytes each.
N_BYTES = 2596896
SAMPLES_PER_RECORD = 64 * 160 + 80


@pytest.fixture(scope="module")
def real(eegbci_dir):
    return eegbci_dir / "S001" / "S001R04.edf"


def copy(real, tmp_path, data: bytes | None = None):
    path = tmp_path / "S001R04.edf"
    path.write_bytes(real.read_bytes() if data is None else data)
    return path


def test_the_declared_size_of_a_real_file_is_its_size(real, tmp_path):
    assert real.stat().st_size == N_BYTES
    check_edf_size(real)  # no error
    header = real.read_bytes()[:256]
    n_header, n_records, n_signals = (
        int(header[184:192]),
        int(header[236:244]),
        int(header[252:256]),
    )
    assert (n_header, n_records, n_signals) == (256 + 65 * 256, 125, 65)
    fields = real.read_bytes()[256 + 65 * 216 : 256 + 65 * 224]
    samples = [int(fields[8 * i : 8 * i + 8]) for i in range(65)]
    assert sum(samples) == SAMPLES_PER_RECORD
    assert n_header + n_records * SAMPLES_PER_RECORD * 2 == N_BYTES


def test_a_truncated_file_is_named_with_both_sizes(real, tmp_path):
    path = copy(real, tmp_path, real.read_bytes()[:-2])
    message = (
        rf"{path}: truncated EDF file: its header declares 125 data records "
        rf"\({N_BYTES} bytes\) but the file has {N_BYTES - 2} bytes"
    )
    with pytest.raises(RecordingError, match=message):
        check_edf_size(path)
    with pytest.raises(RecordingError, match="truncated EDF file"):
        read_run(path)
    longer = copy(real, tmp_path, real.read_bytes() + b"\0" * 10)
    check_edf_size(longer)  # more than declared: left to the reader


def test_bdf_samples_take_three_bytes(real, tmp_path):
    data = bytearray(real.read_bytes())
    data[0] = 0xFF  # a BDF file's first byte
    path = copy(real, tmp_path, bytes(data))
    with pytest.raises(
        RecordingError, match=rf"125 data records \({16896 + 125 * SAMPLES_PER_RECORD * 3} bytes\)"
    ):
        check_edf_size(path)


@pytest.mark.parametrize(
    ("start", "field"), [(184, b"garbage!"), (236, b"-1      "), (252, b"0   ")]
)
def test_headers_it_cannot_read_are_left_to_the_edf_reader(real, tmp_path, start, field):
    data = bytearray(real.read_bytes()[:-1000])  # truncated, yet not judged
    data[start : start + len(field)] = field
    check_edf_size(copy(real, tmp_path, bytes(data)))


def test_a_run_has_the_64_channels_under_standard_names_with_positions(real):
    raw = read_run(real)
    assert raw.ch_names == list(CHANNELS)
    assert raw.info["sfreq"] == 160.0 and raw.preload
    positions = raw.get_montage().get_positions()["ch_pos"]
    assert list(positions) == list(CHANNELS)
    assert positions["C3"][0] < 0 < positions["C4"][0]  # left and right of the midline
    edf = mne.io.read_raw_edf(real, preload=True, verbose="error")
    np.testing.assert_array_equal(raw.get_data(), edf.get_data(picks=list(EDF_CHANNELS)))


def test_fif_recordings_are_read_as_they_are(tmp_path):
    info = mne.create_info(["C3", "C4", "EOG1"], 250.0, ["eeg", "eeg", "eog"])
    data = np.random.default_rng(0).standard_normal((3, 500)) * 1e-5
    path = tmp_path / "sub-001_raw.fif"
    mne.io.RawArray(data, info, verbose="error").save(path, verbose="error")
    raw = read_run(path)
    assert raw.ch_names == ["C3", "C4", "EOG1"]
    np.testing.assert_allclose(raw.get_data(), data, rtol=1e-6)
    broken = tmp_path / "broken_raw.fif"
    broken.write_bytes(b"not a fif file")
    with pytest.raises(RecordingError, match=f"{broken}: cannot be read as a FIF recording"):
        read_run(broken)


def test_runs_at_another_rate_are_resampled_with_a_warning(tmp_path, caplog):
    info = mne.create_info(["C3", "C4"], 160.0, "eeg")
    times = np.arange(1600) / 160.0
    data = np.vstack([np.sin(2 * np.pi * 5 * times), np.cos(2 * np.pi * 5 * times)]) * 1e-5
    path = tmp_path / "run_raw.fif"
    mne.io.RawArray(data, info, verbose="error").save(path, verbose="error")
    with caplog.at_level(logging.WARNING, logger="eegvis.data.recordings"):
        ((raw, recorded),) = read_runs([path], 80.0)
    assert recorded == 160.0 and raw.info["sfreq"] == 80.0 and raw.n_times == 800
    np.testing.assert_allclose(raw.get_data()[:, 100:700], data[:, 200:1400:2], atol=1e-7)
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: recorded at 160 Hz, resampling to 80 Hz"
    ]
    caplog.clear()
    ((same, rate),) = read_runs([path], 160.0)
    assert rate == 160.0 and same.n_times == 1600 and not caplog.records
