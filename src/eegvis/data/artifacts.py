"""Eye movements, blinks and muscle bursts in the synthetic EEGBCI recordings; ground truth.

The model and its numbers are specified in the module docstring of
:mod:`eegvis.data.synthetic` (section "Artifacts"). :class:`Artifacts` holds the
settings, simulates the signals of one run and names the channels and frequencies
they occupy; :func:`planted_regions` and :func:`planted_masks` give the ground truth
of everything planted (brain effect and artifacts), the masks to score maps with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mne
import numpy as np

from eegvis.data.eegbci import CHANNELS, LEFT_FIST, RIGHT_FIST, SFREQ, standard_channel_name
from eegvis.data.synthetic import (
    PLANTED_EFFECT,
    _band,
    _noise,
    _positions,
    _sine_squared_step,
    _spread,
)

#: Sites of the corneo-retinal (horizontal EOG) potential, left and right.
SACCADE_SITES = (("F7", "AF7", "FT7", "T9"), ("F8", "AF8", "FT8", "T10"))
#: Sites of the blink potential.
BLINK_SITES = ("Fp1", "Fpz", "Fp2")
#: Sites of the temporal muscle bursts, left and right.
MUSCLE_SITES = (("FT7", "T7", "T9"), ("FT8", "T8", "T10"))

_SITE_SIGMA = 0.025  # m, Gaussian spread around each site
_MASK_WEIGHT = 0.5  # a mask holds the channels with at least this weight
_STEP_BAND = (0.0, 4.0)  # Hz, where saccade steps and blinks hold their power
_SPIKE_SIGMA = 1 / SFREQ  # s, width of the spike potential (derivative of a Gaussian)
_SPIKE_BAND = (12.0, 42.0)  # Hz, where its power is at least half its peak
_MUSCLE_BAND = (20.0, SFREQ / 2)  # Hz
_MUSCLE_RAMP = 0.05  # s, rise and fall of a muscle burst
_NON_NEGATIVE = (
    *("saccade_uv", "saccade_latency", "saccade_jitter", "spike_uv"),
    *("blink_uv", "blink_rate", "muscle_uv", "muscle_rate"),
)


def _site_weights(sites: tuple[str, ...]) -> np.ndarray:
    """Return the sum of Gaussian spreads around ``sites``, largest weight 1."""
    positions = _positions()
    weights = sum(_spread(positions[site], _SITE_SIGMA) for site in sites)
    return weights / weights.max()


def _saccade_weights() -> np.ndarray:
    """Return the horizontal EOG topography: +1 at the left peak, -1 at the right."""
    weights = _site_weights(SACCADE_SITES[0]) - _site_weights(SACCADE_SITES[1])
    return weights / np.abs(weights).max()


def _mask_channels(weights: np.ndarray) -> tuple[str, ...]:
    """Return the channels with ``|weight| >= 1/2``, largest first."""
    order = np.argsort(-np.abs(weights), kind="stable")
    return tuple(CHANNELS[i] for i in order if abs(weights[i]) >= _MASK_WEIGHT)


def _check(name: str, value: float, *, positive: bool = False) -> None:
    """Raise ValueError unless ``value`` is finite and >= 0 (> 0 if ``positive``)."""
    if not np.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")


@dataclass(frozen=True)
class Artifacts:
    """Settings of the artifacts added to a synthetic run; amplitudes 0 switch them off.

    Amplitudes are in uV at the channel where the artifact is largest; see the
    module docstring of :mod:`eegvis.data.synthetic` for the model.

    Attributes
    ----------
    saccade_uv : float
        Horizontal EOG step of a saccade to the target (uV at F7/F8): left fist
        (``T1``) targets are on the left, right fist (``T2``) on the right.
    saccade_latency : float
        Mean delay (s) of the saccade to the target after the cue, and of the
        saccade back to the centre after the end of the trial.
    saccade_jitter : float
        Half-width (s) of the uniform jitter of each saccade's delay; at most
        ``saccade_latency``.
    saccade_rise : float
        Duration (s) of the sine-squared step of the eye position.
    saccade_probability : float
        Probability that the eyes go to the target in a trial (independently
        per trial); below 1, eye position alone cannot tell every trial's class.
    spike_uv : float
        Spike potential at the onset of every saccade (uV at F7/F8).
    blink_uv : float
        Blink potential (uV at the peak channel, Fp1/Fpz/Fp2).
    blink_rate : float
        Mean number of blinks per minute (a Poisson process, class-blind).
    blink_duration : float
        Duration (s) of one blink's sine-squared waveform.
    muscle_uv : float
        Standard deviation (uV) of a muscle burst at its peak channel (FT7/T7/T9
        or FT8/T8/T10).
    muscle_rate : float
        Mean number of class-blind muscle bursts per minute (a Poisson process).
    muscle_duration : tuple of float
        Shortest and longest duration (s) of a class-blind burst (uniform).
    muscle_class_related : bool
        Also burst throughout every imagery trial on the side of the cued hand.
    """

    saccade_uv: float = 0.0
    saccade_latency: float = 0.3
    saccade_jitter: float = 0.05
    saccade_rise: float = 0.04
    saccade_probability: float = 1.0
    spike_uv: float = 0.0
    blink_uv: float = 0.0
    blink_rate: float = 15.0
    blink_duration: float = 0.35
    muscle_uv: float = 0.0
    muscle_rate: float = 6.0
    muscle_duration: tuple[float, float] = (0.2, 1.0)
    muscle_class_related: bool = False

    def __post_init__(self) -> None:
        for name in _NON_NEGATIVE:
            _check(name, getattr(self, name))
        for name in ("saccade_rise", "blink_duration"):
            _check(name, getattr(self, name), positive=True)
        if not 0 <= self.saccade_probability <= 1:
            raise ValueError(
                f"saccade_probability must be in [0, 1], got {self.saccade_probability!r}"
            )
        if self.saccade_jitter > self.saccade_latency:
            raise ValueError(
                f"saccade_jitter ({self.saccade_jitter}) must not exceed saccade_latency "
                f"({self.saccade_latency}): no saccade may precede its cue"
            )
        shortest, longest = self.muscle_duration
        if not 2 * _MUSCLE_RAMP <= shortest <= longest < np.inf:
            raise ValueError(
                f"muscle_duration must be (shortest, longest) with {2 * _MUSCLE_RAMP} <= "
                f"shortest <= longest (s), got {self.muscle_duration!r}"
            )
        object.__setattr__(self, "muscle_duration", (float(shortest), float(longest)))

    def describe(self) -> dict[str, dict[str, object]]:
        """Return the ground truth of each enabled artifact, as JSON-serialisable types.

        Returns
        -------
        artifacts : dict
            Artifact name (``"saccade"``, ``"saccade_spike"``, ``"blinks"``,
            ``"muscle"``; only those with a non-zero amplitude) -> ``channels``
            (standard names where the weight is at least 1/2 of the peak,
            largest first), ``band`` (``[low, high]`` Hz holding most of its
            power), ``class_related`` (bool), ``amplitude_uv`` (at the peak
            channel) and the artifact's other settings (times in s, rates per
            minute).
        """
        saccade = {
            "latency": self.saccade_latency,
            "jitter": self.saccade_jitter,
            "rise": self.saccade_rise,
            "probability": self.saccade_probability,
        }
        truth = {
            "saccade": (self.saccade_uv, _saccade_weights(), _STEP_BAND, True, saccade),
            "saccade_spike": (
                self.spike_uv,
                _saccade_weights(),
                _SPIKE_BAND,
                True,
                {**saccade, "width": _SPIKE_SIGMA},
            ),
            "blinks": (
                self.blink_uv,
                _site_weights(BLINK_SITES),
                _STEP_BAND,
                False,
                {"rate": self.blink_rate, "duration": self.blink_duration},
            ),
            "muscle": (
                self.muscle_uv,
                np.maximum(*(_site_weights(sites) for sites in MUSCLE_SITES)),
                _MUSCLE_BAND,
                self.muscle_class_related,
                {"rate": self.muscle_rate, "duration": list(self.muscle_duration)},
            ),
        }
        return {
            name: {
                "channels": list(_mask_channels(weights)),
                "band": list(band),
                "class_related": related,
                "amplitude_uv": amplitude,
                **settings,
            }
            for name, (amplitude, weights, band, related, settings) in truth.items()
            if amplitude > 0
        }

    def simulate(
        self, seed: int, subject: int, run: int, annotations: mne.Annotations, n_times: int
    ) -> np.ndarray:
        """Return the artifact signals of one run.

        Parameters
        ----------
        seed, subject, run : int
            As in :func:`~eegvis.data.synthetic.simulate_run`. The artifacts draw
            from ``SeedSequence([seed, subject, run, 1])`` (one child sequence
            per kind: saccades, blinks, muscle), never from the stream of the
            brain signals.
        annotations : mne.Annotations
            The run's cues, onsets in s from the first sample.
        n_times : int
            Number of samples at 160 Hz.

        Returns
        -------
        signals : ndarray, shape (64, n_times)
            In uV, channels in the order of :data:`~eegvis.data.eegbci.CHANNELS`;
            zero where every amplitude is 0.
        """
        saccade_ss, blink_ss, muscle_ss = np.random.SeedSequence([seed, subject, run, 1]).spawn(3)
        times = np.arange(n_times) / SFREQ
        signals = np.zeros((len(CHANNELS), n_times))
        if self.saccade_uv > 0 or self.spike_uv > 0:
            position, spikes = self._eyes(np.random.default_rng(saccade_ss), times, annotations)
            signals += np.outer(_saccade_weights(), self.saccade_uv * position + spikes)
        if self.blink_uv > 0:
            blinks = self._blinks(np.random.default_rng(blink_ss), times)
            signals += np.outer(_site_weights(BLINK_SITES), self.blink_uv * blinks)
        if self.muscle_uv > 0:
            bursts = self._muscle(np.random.default_rng(muscle_ss), times, annotations)
            weights = np.column_stack([_site_weights(sites) for sites in MUSCLE_SITES])
            signals += self.muscle_uv * weights @ bursts
        return signals

    def _eyes(
        self, rng: np.random.Generator, times: np.ndarray, annotations: mne.Annotations
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the eye position (+1 left, -1 right) and the spike potentials (uV)."""
        trials = np.isin(annotations.description, [LEFT_FIST, RIGHT_FIST])
        cue = annotations.onset[trials]
        delays = self.saccade_latency + rng.uniform(
            -self.saccade_jitter, self.saccade_jitter, (2, len(cue))
        )
        looks = rng.random(len(cue)) < self.saccade_probability
        side = looks * np.where(annotations.description[trials] == LEFT_FIST, 1.0, -1.0)
        to_target = cue + delays[0]
        to_centre = cue + annotations.duration[trials] + delays[1]

        def steps(onsets: np.ndarray) -> np.ndarray:
            return _sine_squared_step((times - onsets[:, np.newaxis]) / self.saccade_rise)

        position = side @ (steps(to_target) - steps(to_centre))
        # spike: derivative of a Gaussian, +1 then -1 for a saccade to the left
        onsets = np.concatenate([to_target, to_centre])
        lag = (times - onsets[:, np.newaxis]) / _SPIKE_SIGMA
        spike = -lag * np.exp((1 - lag**2) / 2)
        return position, self.spike_uv * (np.concatenate([side, -side]) @ spike)

    def _blinks(self, rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
        """Return the blink waveform (peak 1) at Poisson times over the run."""
        end = times[-1] + 1 / SFREQ
        starts = rng.uniform(0.0, end, rng.poisson(self.blink_rate * end / 60))
        phase = np.clip((times - starts[:, np.newaxis]) / self.blink_duration, 0.0, 1.0)
        return np.sum(np.sin(np.pi * phase) ** 2, axis=0)

    def _muscle(
        self, rng: np.random.Generator, times: np.ndarray, annotations: mne.Annotations
    ) -> np.ndarray:
        """Return unit-s.d. muscle noise > 20 Hz in bursts, shape (2, n_times): left, right."""
        end = times[-1] + 1 / SFREQ
        n_bursts = rng.poisson(self.muscle_rate * end / 60)
        durations = rng.uniform(*self.muscle_duration, n_bursts)
        starts = rng.uniform(0.0, end - durations)
        sides = rng.integers(2, size=n_bursts)
        if self.muscle_class_related:
            trials = np.isin(annotations.description, [LEFT_FIST, RIGHT_FIST])
            starts = np.r_[starts, annotations.onset[trials]]
            durations = np.r_[durations, annotations.duration[trials]]
            sides = np.r_[sides, np.where(annotations.description[trials] == LEFT_FIST, 0, 1)]
        after = times - starts[:, np.newaxis]
        boxes = _sine_squared_step(after / _MUSCLE_RAMP) - _sine_squared_step(
            (after - durations[:, np.newaxis]) / _MUSCLE_RAMP + 1
        )
        envelopes = np.array([boxes[sides == side].max(axis=0, initial=0.0) for side in (0, 1)])
        freqs = np.fft.rfftfreq(len(times), 1 / SFREQ)
        noise = _noise(rng, np.tile(_band(freqs, *_MUSCLE_BAND), (2, 1)), len(times))
        return envelopes * noise


def planted_regions(
    artifacts: Artifacts | None = None, *, planted: bool = True
) -> dict[str, dict[str, list]]:
    """Return the channels and frequency bands of every planted signal.

    Parameters
    ----------
    artifacts : Artifacts | None
        The artifacts of the recordings (None: none).
    planted : bool
        Whether the recordings hold the planted effect (see
        :func:`~eegvis.data.synthetic.simulate_run`).

    Returns
    -------
    regions : dict
        Name -> ``{"channels": [...], "bands": [[low, high], ...]}`` (standard
        channel names, Hz): ``"left_hand"`` and ``"right_hand"``, the planted
        effect of each class (``PLANTED_EFFECT.channels`` in the mu and beta
        bands; only if ``planted``), then each artifact with a non-zero
        amplitude (see :meth:`Artifacts.describe`).
    """
    effect = PLANTED_EFFECT
    regions = {
        klass: {"channels": list(channels), "bands": [list(band) for band in effect.bands.values()]}
        for klass, channels in effect.channels.items()
        if planted
    }
    for name, truth in (artifacts.describe() if artifacts is not None else {}).items():
        regions[name] = {"channels": truth["channels"], "bands": [truth["band"]]}
    return regions


def planted_masks(
    ch_names: Sequence[str],
    freqs: Sequence[float] | np.ndarray,
    artifacts: Artifacts | None = None,
    *,
    planted: bool = True,
) -> dict[str, np.ndarray]:
    """Return the ground truth of the synthetic recordings as channel x frequency masks.

    A map computed on synthetic data (perturbation, gradient, envelope
    correlations) can be scored against these masks: each is True where one
    planted signal lies, see :func:`planted_regions`.

    Parameters
    ----------
    ch_names : sequence of str
        The map's channels, standard (``"C3"``) or EDF (``"C3.."``) names of
        EEGBCI channels.
    freqs : array-like, shape (n_freqs,)
        The map's frequencies in Hz (e.g. rFFT bins or band centres).
    artifacts : Artifacts | None
        The artifacts of the recordings (None: none).
    planted : bool
        Whether the recordings hold the planted effect.

    Returns
    -------
    masks : dict of str to ndarray of bool, shape (n_channels, n_freqs)
        Name (as in :func:`planted_regions`) -> True at the region's channels
        and at the frequencies inside any of its bands (edges included).

    Raises
    ------
    ValueError
        If a channel is not an EEGBCI channel or ``freqs`` is not 1-D.
    """
    return region_masks(planted_regions(artifacts, planted=planted), ch_names, freqs)


def region_masks(
    regions: Mapping[str, Mapping[str, Sequence]],
    ch_names: Sequence[str],
    freqs: Sequence[float] | np.ndarray,
) -> dict[str, np.ndarray]:
    """Return channel x frequency masks of planted regions, e.g. read from ``planted_effect.json``.

    Parameters
    ----------
    regions : mapping
        Name -> ``{"channels": [...], "bands": [[low, high], ...]}``, as
        :func:`planted_regions` returns and the workflow's ``planted_effect.json``
        holds under ``masks``.
    ch_names : sequence of str
        The map's channels, standard or EDF names of EEGBCI channels.
    freqs : array-like, shape (n_freqs,)
        The map's frequencies in Hz.

    Returns
    -------
    masks : dict of str to ndarray of bool, shape (n_channels, n_freqs)
        True at the region's channels and at the frequencies inside any of its
        bands (edges included).

    Raises
    ------
    ValueError
        If a channel is not an EEGBCI channel or ``freqs`` is not 1-D.
    """
    names = [standard_channel_name(name) for name in ch_names]
    unknown = [name for name, std in zip(ch_names, names, strict=True) if std not in CHANNELS]
    if unknown:
        raise ValueError(f"ch_names: not EEGBCI channels: {unknown}")
    freqs = np.asarray(freqs, dtype=float)
    if freqs.ndim != 1:
        raise ValueError(f"freqs must be 1-D, got shape {freqs.shape}")
    masks = {}
    for name, region in regions.items():
        in_bands = np.zeros(freqs.shape, dtype=bool)
        for low, high in region["bands"]:
            in_bands |= (freqs >= low) & (freqs <= high)
        masks[name] = np.outer(np.isin(names, region["channels"]), in_bands)
    return masks
