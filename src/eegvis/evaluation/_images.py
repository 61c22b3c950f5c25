"""Scalp-map images of channel values and their structural similarity (SSIM).

Private to :mod:`eegvis.evaluation`. The image and the SSIM are those of
braindecode 1.8's ``visualization.topology.project_to_topomap`` and
``visualization.metrics._ssim_uniform`` (tested against them).
"""

from __future__ import annotations

import mne
import numpy as np
from scipy.interpolate import CloughTocher2DInterpolator

#: Side of the square SSIM window in pixels: skimage's uniform-window default and
#: braindecode's (Sujatha Ravindran & Contreras-Vidal 2023).
SSIM_WINDOW = 7
#: Share of the electrodes' extent added on each side of the image.
IMAGE_PADDING = 0.1


def topomap_positions(info: mne.Info) -> np.ndarray:
    """Return the 2-D positions at which MNE draws the channels of ``info`` by default.

    The azimuthal equidistant projection about the origin of the head frame
    (MNE's default head sphere): a channel at distance ``r`` from the origin and
    polar angle ``theta`` from the z axis lands at ``r * theta / (pi / 2)`` from
    the centre, in the direction of its azimuth.

    Parameters
    ----------
    info : mne.Info
        Channels with positions.

    Returns
    -------
    positions : numpy.ndarray, shape (n_channels, 2)
        x (towards the right ear) and y (towards the nose) in metres.
    """
    locations = np.array([channel["loc"][:3] for channel in info["chs"]], dtype=float)
    radius = np.linalg.norm(locations, axis=1)
    polar = np.arccos(locations[:, 2] / np.where(radius > 0, radius, 1.0))
    azimuth = np.arctan2(locations[:, 1], locations[:, 0])
    distance = polar * radius / (np.pi / 2)
    return distance[:, None] * np.column_stack([np.cos(azimuth), np.sin(azimuth)])


def scalp_image(values: np.ndarray, info: mne.Info, resolution: int) -> np.ndarray:
    """Interpolate channel values onto a square grid over the electrodes.

    Clough-Tocher interpolation at :func:`topomap_positions` onto a
    ``resolution`` × ``resolution`` grid spanning the electrodes' extent plus
    :data:`IMAGE_PADDING` of it on each side; pixels outside the electrodes'
    convex hull are 0.

    Parameters
    ----------
    values : numpy.ndarray, shape (n_channels,)
        One value per channel of ``info``.
    info : mne.Info
        Channels with positions.
    resolution : int
        Pixels per side.

    Returns
    -------
    image : numpy.ndarray, shape (resolution, resolution)
        Rows from back to front, columns from left to right.
    """
    positions = topomap_positions(info)
    low, high = positions.min(axis=0), positions.max(axis=0)
    padding = IMAGE_PADDING * (high - low)
    x = np.linspace(low[0] - padding[0], high[0] + padding[0], resolution)
    y = np.linspace(low[1] - padding[1], high[1] + padding[1], resolution)
    interpolate = CloughTocher2DInterpolator(positions, values, fill_value=np.nan)
    return np.nan_to_num(interpolate(*np.meshgrid(x, y)), nan=0.0)


def uniform_ssim(a: np.ndarray, b: np.ndarray, data_range: float) -> float:
    """Return the mean SSIM of two images with a uniform :data:`SSIM_WINDOW` window.

    Wang et al. (2004) with skimage's uniform-window variant: means, variances
    and the covariance over every fully contained window (sample variances,
    divided by ``n - 1``), constants ``(0.01 * data_range) ** 2`` and
    ``(0.03 * data_range) ** 2``.

    Parameters
    ----------
    a, b : numpy.ndarray, shape (n_rows, n_columns)
        The images, at least :data:`SSIM_WINDOW` pixels per side.
    data_range : float
        The range the images' values can span.

    Returns
    -------
    float
        1 for identical images.
    """
    n = SSIM_WINDOW * SSIM_WINDOW

    def window_means(image: np.ndarray) -> np.ndarray:
        windows = np.lib.stride_tricks.sliding_window_view(image, (SSIM_WINDOW, SSIM_WINDOW))
        return windows.mean(axis=(-2, -1))

    mean_a, mean_b = window_means(a), window_means(b)
    var_a = (window_means(a * a) - mean_a**2) * n / (n - 1)
    var_b = (window_means(b * b) - mean_b**2) * n / (n - 1)
    covariance = (window_means(a * b) - mean_a * mean_b) * n / (n - 1)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    numerator = (2 * mean_a * mean_b + c1) * (2 * covariance + c2)
    denominator = (mean_a**2 + mean_b**2 + c1) * (var_a + var_b + c2)
    return float(np.mean(numerator / denominator))
