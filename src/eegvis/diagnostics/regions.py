"""Scalp regions of EEG channels from their positions, for any montage (partial ones included).

Every channel gets exactly one of :data:`REGIONS`, from its position alone
(never its name), so that caps with other names (EGI, BioSemi) and digitized
montages are divided the same way. Positions (MNE's head frame) are read as
directions from a head centre, in one of two frames:

- the *template frame*, for realistic positions (MNE's standard 10-05 and
  10-20 templates, digitized heads): the centre of the sphere fitted to the
  343 positions of MNE's standard 10-05 head
  (:func:`eegvis.data.montage.standard_montage`), with its vertical axis
  through that head's Cz (7° in front of the head frame's z axis) and the head
  frame's left–right (x) axis;
- its own frame, for a spherical layout (8 or more positions within 0.5 mm of
  one sphere, as MNE's ``biosemi*``, ``easycap-M*`` and ``brainproducts-*``
  montages): the sphere's centre and the head frame's axes. Such layouts put
  the 10-20 ring level with the preauricular points, where the template (a
  real head) tilts it up toward the back by about 7°.

Of a channel's direction, three angles:

- *polar angle* θ: from the vertex (0°). The outer ring through Fpz, F7, T7,
  P7 and Oz lies at 85–96°, the sites below it (T9, P9, Iz) further down;
- *azimuth* ``|φ|``: around the vertical axis from the nose (0°) to either
  side (T7 and T8 at 90°, Oz at 180°);
- *anteroposterior angle* ψ: from the coronal plane through the vertex,
  positive in front. The 10-10 rows are nearly flat in it: AF 57–66°, F
  40–44°, FC 21–23°, C 0–2°, CP −19 to −21°, P −38 to −42°.

The rule, in order (the first that holds):

1. Low sites, θ ≥ 80° (the outer ring and below it), by azimuth:
   ``|φ| < 25°`` frontopolar (Fp1, Fpz, Fp2); ``25° ≤ |φ| < 102°`` lateral
   frontotemporal (AF7, F7, FT7, T7, T9 and their mirror sites; also F9, FT9,
   and the 10-05 FFT7h, FTT7h, TTP7h); ``102° ≤ |φ| < 115°`` other (TP7, TP9,
   the mastoids); ``|φ| ≥ 115°`` parietal-occipital (P7, P9, PO7, O1, Oz, Iz).
2. Upper sites, θ < 80°, by anteroposterior angle: ``ψ ≥ 51°``
   frontopolar (AF3, AFz, AF4; the 10-05 AFF1, AFF5h); ``37° ≤ ψ < 51°``
   other (the frontal F5…F6 inside the ring); ``−35° < ψ < 37°``
   sensorimotor (the FC, C and CP rows, and the 10-05 half rows FFC…CPP);
   ``ψ ≤ −35°`` parietal-occipital (the P, PO and O rows).

On EEGBCI's 64 channels this gives: frontopolar Fp1, Fpz, Fp2, AF3, AFz, AF4;
lateral frontotemporal AF7, AF8, F7, F8, FT7, FT8, T7, T8, T9, T10;
sensorimotor exactly the first 21 (FC5…FC6, C5…C6, CP5…CP6); parietal-occipital
P7…P8, PO7…PO8, O1, Oz, O2, Iz; other F5…F6 and TP7, TP8. AF7 and AF8 count as
lateral frontotemporal: they sit on the outer ring beside F7 and F8, where
horizontal eye movements are largest (opposite in sign left and right), while
the frontopolar sites near the midline see mostly the symmetric blinks. On the
High-Gamma Dataset's 128 channels the sensorimotor region is the paper's 44
channels and Cz. The EEGBCI sites nearest a boundary are F5 and F6 (θ 76–77°,
3–4° above 80°) and P5, P6 (ψ −40 to −41°, 5° behind −35°), all others 6° or
more; 10-05 half positions (AFF, FFC, CPP, FFT, TTP, TPP) lie 2–4° from one, so
a digitized position of those may fall on either side.
"""

from __future__ import annotations

import functools

import mne
import numpy as np

from eegvis.data.montage import standard_montage

#: The regions, in the order of tables and figures.
REGIONS: tuple[str, ...] = (
    "frontopolar",
    "lateral_frontotemporal",
    "sensorimotor",
    "parietal_occipital",
    "other",
)

#: Polar angle (degrees from the vertex) from which a site counts as low (rule 1).
LOW_POLAR_ANGLE = 80.0
#: Azimuths (degrees from the nose) dividing the low sites: frontopolar below the
#: first, lateral frontotemporal below the second, other below the third,
#: parietal-occipital from it on.
LOW_AZIMUTHS = (25.0, 102.0, 115.0)
#: Anteroposterior angles (degrees in front of the coronal plane through the vertex)
#: dividing the upper sites: frontopolar from the first on, other (frontal) from the
#: second, sensorimotor above the third, parietal-occipital at or below it.
UPPER_ANGLES = (51.0, 37.0, -35.0)
#: Fewest positions, and largest RMS distance (m) from their fitted sphere, of a
#: spherical layout, read in its own frame.
_MIN_SPHERE_CHANNELS = 8
_SPHERICAL_RMS = 0.0005


def head_angles(positions: np.ndarray) -> np.ndarray:
    """Polar angle, azimuth and anteroposterior angle of a montage's positions.

    Parameters
    ----------
    positions : numpy.ndarray, shape (n_channels, 3)
        All positions of one montage, in metres in MNE's head frame (whether
        they form a spherical layout decides the frame; see the module docs).

    Returns
    -------
    angles : numpy.ndarray, shape (n_channels, 3)
        Degrees: polar angle θ from the vertex (0 to 180), azimuth ``|φ|`` from
        the nose (0 to 180) and anteroposterior angle ψ from the coronal plane
        through the vertex (−90 to 90, positive in front); see the module docs.
    """
    positions = np.asarray(positions, dtype=float)
    centre, rotation = _frame(positions)
    directions = (positions - centre) @ rotation.T
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    x, y, z = directions.T
    polar = np.degrees(np.arccos(np.clip(z, -1.0, 1.0)))
    azimuth = np.abs(np.degrees(np.arctan2(x, y)))
    anteroposterior = np.degrees(np.arcsin(np.clip(y, -1.0, 1.0)))
    return np.column_stack([polar, azimuth, anteroposterior])


def channel_regions(info: mne.Info) -> dict[str, str]:
    """Return the scalp region of every channel, from its position (rule in the module docs).

    Parameters
    ----------
    info : mne.Info
        Channels with positions (a montage set, in MNE's head frame).

    Returns
    -------
    regions : dict of str to str
        Channel name to one of :data:`REGIONS`, in the order of ``info``.

    Raises
    ------
    ValueError
        If ``info`` has no channels or a channel has no position.
    """
    if not info["chs"]:
        raise ValueError("info has no channels")
    positions = np.array([channel["loc"][:3] for channel in info["chs"]], dtype=float)
    missing = ~np.isfinite(positions).all(axis=1) | (positions == 0).all(axis=1)
    if missing.any():
        names = [name for name, gone in zip(info.ch_names, missing, strict=True) if gone]
        raise ValueError(
            f"info: channels without a position: {names}; set a montage (info.set_montage)"
        )
    polar, azimuth, anteroposterior = head_angles(positions).T
    low = np.select(
        [azimuth < edge for edge in LOW_AZIMUTHS],
        ["frontopolar", "lateral_frontotemporal", "other"],
        "parietal_occipital",
    )
    front, frontal, back = UPPER_ANGLES
    upper = np.select(
        [anteroposterior >= front, anteroposterior >= frontal, anteroposterior > back],
        ["frontopolar", "other", "sensorimotor"],
        "parietal_occipital",
    )
    region = np.where(polar >= LOW_POLAR_ANGLE, low, upper)
    return dict(zip(info.ch_names, region.tolist(), strict=True))


def _frame(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre (m) and rotation (rows: left–right, anterior, vertical axes) to read positions in.

    A spherical layout (at least :data:`_MIN_SPHERE_CHANNELS` positions within
    :data:`_SPHERICAL_RMS` of one sphere) is read around its own centre with
    the head frame's axes; any other in the template frame.
    """
    if len(positions) >= _MIN_SPHERE_CHANNELS:
        centre, residual = _fit_sphere(positions)
        if residual < _SPHERICAL_RMS:
            return centre, np.eye(3)
    return _template_frame()


@functools.cache
def _template_frame() -> tuple[np.ndarray, np.ndarray]:
    """Return the frame of MNE's standard 10-05 template head (see :func:`_frame`).

    The centre is that of the sphere fitted to all the template's positions;
    the vertical axis points from it at the template's Cz, with its left–right
    component dropped so that the left–right axis stays the head frame's x axis.
    """
    montage = standard_montage()
    info = mne.create_info(montage.ch_names, 1000.0, "eeg")
    info.set_montage(montage)
    positions = np.array([channel["loc"][:3] for channel in info["chs"]])
    centre, _ = _fit_sphere(positions)
    vertex = positions[info.ch_names.index("Cz")] - centre
    vertex[0] = 0.0
    vertex /= np.linalg.norm(vertex)
    rotation = np.array([[1.0, 0.0, 0.0], [0.0, vertex[2], -vertex[1]], vertex])
    return centre, rotation


def _fit_sphere(positions: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere through positions: its centre and the RMS distance from it (m)."""
    design = np.column_stack([2 * positions, np.ones(len(positions))])
    solution = np.linalg.lstsq(design, (positions**2).sum(axis=1), rcond=None)[0]
    centre = solution[:3]
    radius = np.sqrt(solution[3] + centre @ centre)
    residual = np.linalg.norm(positions - centre, axis=1) - radius
    return centre, float(np.sqrt(np.mean(residual**2)))
