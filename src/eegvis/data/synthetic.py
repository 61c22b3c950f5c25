"""Deterministic synthetic EEG in the layout of the PhysioNet EEGBCI dataset.

:func:`write_subject` writes EDF files that read like the real left/right fist
imagery runs (4, 8 and 12) of the EEG Motor Movement/Imagery dataset: the same
64 channel names (``"Fc5."``, ...), 160 Hz, 20000 samples per run (MNE reports
124.99375 s), measurement date 2009-08-12 16:15:00 UTC, physical range
+-8092 uV, and 30 annotations per run. Every run, whatever its number, is
simulated as a left/right fist imagery run.

Trial schedule
--------------
Annotation ``2 k`` (k = 0..14) is rest ``T0`` at ``8.3 k`` s lasting 4.2 s;
annotation ``2 k + 1`` is imagery at ``8.3 k + 4.2`` s lasting 4.1 s: ``T1``
(left fist, class ``"left_hand"``) or ``T2`` (right fist, ``"right_hand"``).
A run has 7 ``T1`` and 8 ``T2`` or 8 and 7 (each with probability 1/2), in
random order. Onsets are rounded to 0.1 s, as in the real files.

Background (not class dependent)
--------------------------------
All signals are in uV before the final conversion to volts. Coloured noise is
Gaussian white noise shaped in the frequency domain and scaled to unit
standard deviation over the run; "at a source" below means the amplitude at
an electrode at the source position; other electrodes get the amplitude times
``exp(-d**2 / (2 sigma**2))``, ``d`` the distance between electrode positions
of MNE's ``colin27_1005`` montage (formerly ``standard_1005``).

- Pink noise (power ~ 1/f above 0.5 Hz, flat below, no DC), independent per
  channel, 15 uV times a per-channel gain drawn log-normally (sigma 0.15).
- A spatially smooth common component: 4 pink sources at the positions of 4
  random electrodes, 4 uV each at the source, sigma 5 cm.
- Occipital alpha: one source at the mean position of O1, Oz, O2 and POz,
  9 uV, sigma 4 cm; Gaussian spectrum (s.d. 0.6 Hz) around a peak drawn
  uniformly in 9.5-10.5 Hz.
- Sensorimotor rhythms: one source at C3 and one at C4 (sigma 3.5 cm), each
  with a mu rhythm (8 uV, band 8-13 Hz) and a beta rhythm (4 uV, band
  18-26 Hz); band-limited spectra have sine-squared 1 Hz tapers inside the
  band, so they hold no power outside it.
- Every rhythm (alpha and each mu and beta) is amplitude-modulated by its own
  slow envelope ``exp(0.25 z - 0.25**2 / 2)``, ``z`` unit-variance noise
  low-passed below 0.2 Hz.

Resulting channel standard deviations are about 10-25 uV (median 16 uV).

Planted effect (see :data:`PLANTED_EFFECT`)
-------------------------------------------
During each imagery trial the mu and beta rhythms of the source contralateral
to the imagined hand are multiplied by :attr:`PlantedEffect.amplitude_factor`
(0.35, i.e. power times 0.1225, -9.1 dB, at the source): left fist ``T1``
attenuates the C4 source, right fist ``T2`` the C3 source; the ipsilateral
source, the alpha source and the background are unchanged. The gain falls
from 1 to 0.35 with a sine-squared ramp of 0.4 s starting at cue onset, stays
at 0.35 until the end of the trial (onset + 4.1 s) and returns to 1 over the
next 0.4 s, so the window 0.4-4.1 s after onset is fully attenuated. The
channels whose source weight is at least 1/2 (distance below 4.12 cm) are
listed in :attr:`PlantedEffect.channels`. Because the background also holds
power in these bands, the drop measured at the centre channel (C3 or C4) is
smaller than at the source: in windows 0.5-4 s after onset, the 8-13 Hz power
of the attenuating class is about 0.37 times that of the other class (natural
log difference about -1.0), the 18-26 Hz power about 0.56 times (about -0.6).

Artifacts (see :class:`~eegvis.data.artifacts.Artifacts`; off by default)
-------------------------------------------------------------------------
Each artifact is off while its amplitude is 0. Its topography is a sum of
Gaussian spreads (sigma 2.5 cm) around named sites, scaled to 1 at the largest
channel; its amplitude is in uV at that channel.

- Saccades (class-related): in each imagery trial, with probability
  ``saccade_probability`` (default 1), the eyes move to the target, on the left
  for the left fist ``T1`` and on the right for ``T2``, ``saccade_latency`` +-
  ``saccade_jitter`` s after the cue (uniform, default 0.3 +- 0.05 s), and back
  to the centre with a new delay drawn the same way after the trial's end
  (onset + 4.1 s). The eye position (+1 left, -1 right, 0 centre) changes by a
  sine-squared step of ``saccade_rise`` s (0.04 s) and multiplies the
  horizontal EOG topography: the spread around F7, AF7, FT7 and T9 minus that
  around F8, AF8, FT8 and T10, largest magnitude 1: F7 1.0, FT7 0.86, AF7 0.78,
  T9 0.60, F5 0.52, Fp1 0.28, C5 0.09, C3 0.003, Cz 0, the right-hand mirror
  sites negative (F8 -1.0). Looking left makes the left sites positive (the
  cornea is positive). ``saccade_uv`` is the step at F7/F8; over a run more
  than 99% of the steps' power lies below 4 Hz. From 0.4 s after the cue to the
  end of the trial the step is a constant offset of opposite sign for the two
  classes: the class is in its sign, not in its power.
- Spike potential: at the onset of every saccade, the derivative of a Gaussian
  (s.d. 1/160 s) with peaks +-``spike_uv`` at F7/F8, positive first at the
  sites the eyes move towards; 79% of its power lies in 12-42 Hz, where it is
  at least half its peak.
- Blinks (class-blind): at Poisson times, ``blink_rate`` per minute (15), each a
  sine-squared bump of ``blink_duration`` s (0.35 s; 99% of its power below
  4 Hz) on the spread around Fp1, Fpz and Fp2: Fpz 1, Fp1 and Fp2 0.79, AF3
  0.39, AF4 0.36, AFz and AF7 0.28; ``blink_uv`` at Fpz.
- Temporal muscle (class-blind unless ``muscle_class_related``): Gaussian noise
  in 20-80 Hz (1 Hz sine-squared tapers), independent on each side, in bursts
  with 0.05 s sine-squared ramps at Poisson times, ``muscle_rate`` per minute
  (6), on a random side, lasting ``muscle_duration`` s (uniform in 0.2-1 s).
  The left side is the spread around FT7, T7 and T9 (T7 1, FT7 0.92, T9 0.82,
  TP7 0.37, C3 0.01), the right its mirror; ``muscle_uv`` is the noise s.d. at
  T7/T8 within a burst. ``muscle_class_related`` adds a burst throughout every
  imagery trial on the side of the cued hand (left fist: left).

The ground truth of an artifact (:meth:`~eegvis.data.artifacts.Artifacts.describe`,
:func:`~eegvis.data.artifacts.planted_masks`) is the channels where its weight is
at least 1/2 (both sides for saccades and muscle), in one band: 0-4 Hz for
saccade steps and blinks, 12-42 Hz for the spike potential, 20-80 Hz for muscle.

Randomness
----------
Each run draws from ``numpy.random.default_rng(SeedSequence([seed, subject,
run]))``, so every (seed, subject, run) is deterministic and independent of
the others, and written files are byte-identical for identical arguments. The
artifacts draw from ``SeedSequence([seed, subject, run, 1])`` (spawned into
saccades, blinks and muscle), so the brain signals are the same with and
without them, and files with every artifact amplitude 0 are byte-identical to
files written without artifacts.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import mne
import numpy as np

from eegvis.data.eegbci import (
    CHANNELS,
    EDF_CHANNELS,
    LEFT_FIST,
    REST,
    RIGHT_FIST,
    SFREQ,
    run_filename,
)
from eegvis.data.epochs import epoch_subject
from eegvis.data.montage import standard_montage
from eegvis.utils.io import atomic_output

if TYPE_CHECKING:
    from eegvis.data.artifacts import Artifacts

#: Measurement date of every synthetic run (that of the real recordings).
MEAS_DATE = dt.datetime(2009, 8, 12, 16, 15, tzinfo=dt.timezone.utc)

#: Time of the last sample of a 20000-sample run, in s (``raw.times[-1]``).
RUN_DURATION = (20000 - 1) / SFREQ

#: Physical range written to the EDF header, in uV (that of the real files).
PHYSICAL_RANGE = (-8092.0, 8092.0)

#: Number of rest/imagery pairs per run.
N_TRIALS = 15

#: Durations of rest and imagery annotations, in s.
REST_DURATION, IMAGERY_DURATION = 4.2, 4.1

_BACKGROUND_UV, _GAIN_SIGMA, _PINK_FLOOR_HZ = 15.0, 0.15, 0.5
_N_COMMON, _COMMON_UV, _COMMON_SIGMA = 4, 4.0, 0.05
_ALPHA_UV, _ALPHA_SIGMA, _ALPHA_PEAK_HZ, _ALPHA_SD_HZ = 9.0, 0.04, (9.5, 10.5), 0.6
_ALPHA_CHANNELS = ("O1", "Oz", "O2", "POz")
_MU_UV, _BETA_UV, _TAPER_HZ = 8.0, 4.0, 1.0
_MODULATION_SD, _MODULATION_CUTOFF_HZ = 0.25, 0.2


@dataclass(frozen=True)
class PlantedEffect:
    """Description of the class-dependent effect planted in the synthetic data.

    Attributes
    ----------
    bands : Mapping[str, tuple[float, float]]
        Frequency bands (Hz) of the attenuated rhythms, by name.
    codes : Mapping[str, str]
        Annotation code of each class, e.g. ``"left_hand" -> "T1"``.
    centres : Mapping[str, str]
        Standard name of the electrode at the attenuated source, by class.
    channels : Mapping[str, tuple[str, ...]]
        Standard names of the channels where the source weight is at least 1/2,
        by class; the centre channel first.
    amplitude_factor : float
        Factor on the source amplitude of the rhythms during imagery.
    spatial_sigma : float
        Standard deviation (m) of the Gaussian spread of the sources over the
        electrodes.
    ramp : float
        Duration (s) of the smooth transitions at cue onset and at trial end.
    trial_duration : float
        Duration (s) of an imagery trial, over which the attenuation holds.
    """

    bands: Mapping[str, tuple[float, float]]
    codes: Mapping[str, str]
    centres: Mapping[str, str]
    channels: Mapping[str, tuple[str, ...]]
    amplitude_factor: float
    spatial_sigma: float
    ramp: float
    trial_duration: float

    @property
    def power_factor(self) -> float:
        """Factor on the source power of the rhythms during imagery."""
        return self.amplitude_factor**2

    def to_dict(self) -> dict[str, object]:
        """Return the description as JSON-serialisable plain types.

        Returns
        -------
        effect : dict
            Every field (tuples as lists, mappings as dicts) plus
            ``power_factor`` and ``power_drop_db``.
        """
        return {
            "bands": {name: list(band) for name, band in self.bands.items()},
            "codes": dict(self.codes),
            "centres": dict(self.centres),
            "channels": {name: list(chs) for name, chs in self.channels.items()},
            "amplitude_factor": self.amplitude_factor,
            "power_factor": self.power_factor,
            "power_drop_db": float(10 * np.log10(self.power_factor)),
            "spatial_sigma": self.spatial_sigma,
            "ramp": self.ramp,
            "trial_duration": self.trial_duration,
        }


#: The effect planted by :func:`simulate_run`.
PLANTED_EFFECT = PlantedEffect(
    bands=MappingProxyType({"mu": (8.0, 13.0), "beta": (18.0, 26.0)}),
    codes=MappingProxyType({"left_hand": LEFT_FIST, "right_hand": RIGHT_FIST}),
    centres=MappingProxyType({"left_hand": "C4", "right_hand": "C3"}),
    channels=MappingProxyType(
        {
            "left_hand": ("C4", "CP4", "FC4", "C6", "C2"),
            "right_hand": ("C3", "CP3", "FC3", "C5", "C1"),
        }
    ),
    amplitude_factor=0.35,
    spatial_sigma=0.035,
    ramp=0.4,
    trial_duration=IMAGERY_DURATION,
)


@lru_cache(maxsize=1)
def _positions() -> dict[str, np.ndarray]:
    """Return electrode positions (m) of the standard names in ``CHANNELS``."""
    ch_pos = standard_montage().get_positions()["ch_pos"]
    return {ch: ch_pos[ch] for ch in CHANNELS}


def _spread(centre: np.ndarray, sigma: float) -> np.ndarray:
    """Return the Gaussian weight of a source at ``centre`` on each channel."""
    pos = np.array(list(_positions().values()))
    dist2 = np.sum((pos - centre) ** 2, axis=-1)
    return np.exp(-dist2 / (2 * sigma**2))


def _noise(rng: np.random.Generator, spectrum: np.ndarray, n_times: int) -> np.ndarray:
    """Return unit-variance Gaussian noise with amplitude spectrum ``spectrum``.

    ``spectrum`` has shape ``(n_signals, n_freqs)`` over ``rfftfreq(n_times)``.
    """
    coefs = rng.standard_normal((2, *spectrum.shape))
    signals = np.fft.irfft(spectrum * (coefs[0] + 1j * coefs[1]), n=n_times)
    return signals / signals.std(axis=-1, keepdims=True)


def _sine_squared_step(x: np.ndarray) -> np.ndarray:
    """Return ``sin(pi / 2 * x) ** 2`` with ``x`` clipped to [0, 1]: 0 before 0, 1 after 1."""
    return np.sin(np.pi / 2 * np.clip(x, 0.0, 1.0)) ** 2


def _band(freqs: np.ndarray, low: float, high: float) -> np.ndarray:
    """Return a band-pass amplitude spectrum, zero outside ``[low, high]``."""
    return _sine_squared_step(np.minimum(freqs - low, high - freqs) / _TAPER_HZ)


def _imagery_gain(times: np.ndarray, onsets: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Return the gain of an attenuated source: 1 at rest, the factor in trials."""
    ramp = PLANTED_EFFECT.ramp
    after = times - onsets[:, np.newaxis]
    depth = _sine_squared_step(after / ramp) - _sine_squared_step(
        (after - durations[:, np.newaxis]) / ramp
    )
    return 1.0 - (1.0 - PLANTED_EFFECT.amplitude_factor) * depth.sum(axis=0)


def _annotations(rng: np.random.Generator, end: float) -> mne.Annotations:
    """Return the 30 rest/imagery annotations of a run ending at ``end`` s."""
    n_left = N_TRIALS // 2 + rng.integers(2)
    imagery = rng.permutation([LEFT_FIST] * n_left + [RIGHT_FIST] * (N_TRIALS - n_left))
    descriptions = np.ravel(np.column_stack([np.full(N_TRIALS, REST), imagery]))
    period = np.arange(N_TRIALS) * (REST_DURATION + IMAGERY_DURATION)
    onsets = np.ravel(np.column_stack([period, period + REST_DURATION])).round(1)
    durations = np.tile([REST_DURATION, IMAGERY_DURATION], N_TRIALS)
    return mne.Annotations(
        onsets,
        np.minimum(durations, end - onsets).round(6),
        descriptions,
        orig_time=MEAS_DATE,
    )


def simulate_run(
    subject: int,
    run: int,
    seed: int,
    *,
    duration: float = RUN_DURATION,
    planted: bool = True,
    artifacts: Artifacts | None = None,
) -> mne.io.RawArray:
    """Simulate one EEGBCI left/right fist imagery run with (or without) the planted effect.

    Parameters
    ----------
    subject : int
        Subject number (non-negative); part of the random seed.
    run : int
        Run number (non-negative); part of the random seed.
    seed : int
        Seed of the generator (non-negative).
    duration : float
        Time of the last sample in s, as ``raw.times[-1]``: the run has
        ``round(duration * 160) + 1`` samples. The default gives the 20000
        samples of most real runs; ``122.99375`` gives the 19680 of the
        shorter ones. Annotations that would reach past the end are shortened.
    planted : bool
        If False, the sensorimotor rhythms keep their amplitude during imagery:
        the recording has no class-dependent effect at all (a null dataset).
        Every random draw is the same as with the effect, so a null run
        differs from its planted twin only by the attenuation.
    artifacts : Artifacts | None
        Eye movements, blinks and muscle bursts added to the brain signals
        (:class:`~eegvis.data.artifacts.Artifacts`); None (default) adds none.
        They draw from a random stream of their own: the brain signals are the
        same with or without them.

    Returns
    -------
    raw : mne.io.RawArray
        64 EEG channels named as in the EDF files (:data:`EDF_CHANNELS`), in
        volts, at 160 Hz, with ``T0``/``T1``/``T2`` annotations; see the module
        docstring for what is simulated.

    Raises
    ------
    ValueError
        If ``duration`` leaves no room for all 30 annotations.
    """
    n_times = round(duration * SFREQ) + 1
    end = n_times / SFREQ
    last_onset = (N_TRIALS - 1) * (REST_DURATION + IMAGERY_DURATION) + REST_DURATION
    if end <= last_onset:
        raise ValueError(f"duration must exceed {last_onset} s, got {duration}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, subject, run]))
    annotations = _annotations(rng, end)
    times = np.arange(n_times) / SFREQ
    freqs = np.fft.rfftfreq(n_times, 1 / SFREQ)
    n_channels = len(CHANNELS)
    positions = _positions()

    pink = np.where(freqs > 0, 1 / np.sqrt(np.maximum(freqs, _PINK_FLOOR_HZ)), 0.0)
    gains = rng.lognormal(0.0, _GAIN_SIGMA, n_channels)
    data = (
        _BACKGROUND_UV * gains[:, np.newaxis] * _noise(rng, np.tile(pink, (n_channels, 1)), n_times)
    )

    common_at = rng.choice(CHANNELS, _N_COMMON, replace=False)
    mixing = np.column_stack([_spread(positions[ch], _COMMON_SIGMA) for ch in common_at])
    data += _COMMON_UV * mixing @ _noise(rng, np.tile(pink, (_N_COMMON, 1)), n_times)

    # rhythms: alpha, then mu and beta of the source of each class
    alpha_peak = rng.uniform(*_ALPHA_PEAK_HZ)
    spectra = [np.exp(-0.5 * ((freqs - alpha_peak) / _ALPHA_SD_HZ) ** 2)]
    spectra += [_band(freqs, *PLANTED_EFFECT.bands[b]) for b in ("mu", "beta")] * len(
        PLANTED_EFFECT.centres
    )
    rhythms = _noise(rng, np.array(spectra), n_times)
    slow_band = (freqs > 0) & (freqs < _MODULATION_CUTOFF_HZ)
    slow = _noise(rng, np.tile(slow_band, (len(spectra), 1)).astype(float), n_times)
    rhythms *= np.exp(_MODULATION_SD * slow - _MODULATION_SD**2 / 2)

    alpha_centre = np.mean([positions[ch] for ch in _ALPHA_CHANNELS], axis=0)
    data += _ALPHA_UV * np.outer(_spread(alpha_centre, _ALPHA_SIGMA), rhythms[0])
    for i, (klass, centre) in enumerate(PLANTED_EFFECT.centres.items()):
        trials = annotations.description == PLANTED_EFFECT.codes[klass]
        gain = (
            _imagery_gain(times, annotations.onset[trials], annotations.duration[trials])
            if planted
            else 1.0
        )
        source = _MU_UV * rhythms[1 + 2 * i] + _BETA_UV * rhythms[2 + 2 * i]
        weights = _spread(positions[centre], PLANTED_EFFECT.spatial_sigma)
        data += np.outer(weights, gain * source)
    if artifacts is not None:
        data += artifacts.simulate(seed, subject, run, annotations, n_times)

    info = mne.create_info(list(EDF_CHANNELS), SFREQ, "eeg")
    raw = mne.io.RawArray(data * 1e-6, info, verbose=False)
    raw.set_meas_date(MEAS_DATE)
    raw.info["device_info"] = {"type": "BCI2000"}
    raw.set_annotations(annotations)
    return raw


def write_subject(
    subject: int,
    runs: Sequence[int],
    root: str | os.PathLike,
    seed: int,
    *,
    planted: bool = True,
    artifacts: Artifacts | None = None,
) -> list[Path]:
    """Write the synthetic runs of one subject as EDF files in the EEGBCI layout.

    Parameters
    ----------
    subject : int
        Subject number.
    runs : sequence of int
        Run numbers to write.
    root : path-like
        Dataset root; run ``r`` goes to ``root / run_filename(subject, r)``.
    seed : int
        Seed of the generator, see :func:`simulate_run`.
    planted : bool
        Plant the class-dependent effect (default) or write null data, see
        :func:`simulate_run`.
    artifacts : Artifacts | None
        Artifacts added to every run, see :func:`simulate_run`; None (default)
        or all amplitudes 0 write the same bytes as without them.

    Returns
    -------
    paths : list of Path
        The written files, in the order of ``runs``. Each appears only when
        complete and is byte-identical for identical arguments.
    """
    paths = []
    for run in runs:
        raw = simulate_run(subject, run, seed, planted=planted, artifacts=artifacts)
        path = Path(root) / run_filename(subject, run)
        with atomic_output(path) as tmp_path:
            mne.export.export_raw(
                tmp_path,
                raw,
                fmt="edf",
                physical_range=PHYSICAL_RANGE,
                overwrite=True,
                verbose=False,
            )
        paths.append(path)
    return paths


def synthetic_epochs(
    subjects: Sequence[int],
    runs: Sequence[int] = (4, 8, 12),
    seed: int = 0,
    *,
    tmin: float = 1.0,
    tmax: float = 4.1,
    planted: bool = True,
    artifacts: Artifacts | None = None,
) -> mne.Epochs:
    """Return the imagery trials of synthetic subjects, as the workflow epochs them.

    Each subject's runs are written as EDF files (:func:`write_subject`) into
    a temporary folder and epoched back (:func:`eegvis.data.epochs.epoch_subject`),
    so the trials are exactly those of a workflow run with the same settings:
    standard channel names and positions, data in volts, classes
    ``left_hand`` (``T1``) and ``right_hand`` (``T2``).

    Parameters
    ----------
    subjects : sequence of int
        Subject numbers.
    runs : sequence of int
        Run numbers of each subject.
    seed : int
        Seed of the generator, see :func:`simulate_run`.
    tmin, tmax : float
        Window relative to cue onset, in seconds.
    planted : bool
        Plant the class-dependent effect (default) or make null data.
    artifacts : Artifacts | None
        Artifacts added to every run, see :func:`simulate_run`.

    Returns
    -------
    epochs : mne.Epochs
        All subjects' trials, with ``subject`` in the metadata.
    """
    classes = {"left_hand": LEFT_FIST, "right_hand": RIGHT_FIST}
    pieces = []
    with tempfile.TemporaryDirectory() as root:
        for subject in subjects:
            paths = write_subject(subject, runs, root, seed, planted=planted, artifacts=artifacts)
            trials, _ = epoch_subject(subject, paths, runs, classes, tmin, tmax, SFREQ)
            pieces.append(trials)
    return mne.concatenate_epochs(pieces, verbose="error")
