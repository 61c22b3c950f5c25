"""One-sample tests of per-subject maps against 0, corrected over the whole map.

The unit of inference is the subject: ``data`` holds one map per subject (one value per
channel x band, channel x frequency, channel x layer, ...), or one paired difference per
subject (trained - untrained: the caller subtracts). Under H0 each subject's map is
symmetric around 0, so flipping the sign of whole subject maps generates the null
distribution (sign-flip permutation, Nichols & Holmes 2002). Three corrections over the
family of all cells of ``data``:

- ``"tmax"``: max-``|t|`` over all cells, two-sided; controls the family-wise error (FWER).
  Same p-values as :func:`mne.stats.permutation_t_test` in the exact case.
- ``"cluster"``: :func:`mne.stats.permutation_cluster_1samp_test` with channel adjacency
  (Maris & Oostenveld 2007); controls the FWER of cluster-level inference.
- ``"fdr"``: per-cell sign-flip p, then Benjamini-Hochberg (:func:`mne.stats.fdr_correction`);
  controls the false discovery rate (and the FWER under the complete null).

Conventions (all methods):

- Two-sided. A cell is significant when its corrected p is **strictly below** ``alpha``,
  as in MNE (``fdr_correction``'s ``reject`` and the cluster examples use ``p < alpha``).
- Sign patterns. Flipping all subjects at once gives the same ``|t|``, so there are
  ``2 ** (n_subjects - 1)`` distinct patterns. When ``n_permutations >= 2 ** (n_subjects - 1)``
  all of them are enumerated (exact test, as in MNE; ``n_permutations`` reported as
  ``2 ** (n_subjects - 1)``, smallest possible p ``1 / 2 ** (n_subjects - 1)``, e.g. 1/32 for 6
  subjects). Otherwise the identity plus ``n_permutations - 1`` patterns drawn uniformly
  (with replacement) from all ``2 ** n_subjects`` are used, so p >= 1 / n_permutations.
  The cluster method leaves the random draws to MNE (its own scheme, seeded with ``seed``).
- Untestable cells: a cell where any subject is NaN or infinite, or where all subjects
  have the same value (zero variance, t undefined), gets NaN ``t`` and ``p`` and is never
  significant. It is left out of the family: out of the max statistic (tmax), of the
  Benjamini-Hochberg ranking (fdr), and of clustering (a cluster cannot grow through it).
  ``mean`` is the plain mean over subjects (NaN where a subject is NaN).
- Resolution. No p is below ``1 / n_permutations`` (used). Benjamini-Hochberg needs
  p < alpha / n_cells for a single cell, so ``"fdr"`` on a large map needs
  ``2 ** (n_subjects - 1)`` well above ``n_cells / alpha`` (10 subjects give 512 patterns,
  too few for 192 cells: only effects spread over many cells can pass); ``"tmax"`` only
  needs it well above ``1 / alpha``.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import dataclass

import mne
import numpy as np
import numpy.typing as npt
import scipy.sparse
import scipy.stats

logger = logging.getLogger(__name__)

METHODS = ("tmax", "cluster", "fdr")

# Sign patterns are processed in chunks of at most this many t values (32 MiB in float64),
# so memory does not grow with the number of permutations.
_CHUNK_VALUES = 2**22

# Two-sided uncorrected p at which cells enter a cluster when no threshold is given
# (MNE's default cluster-forming threshold).
CLUSTER_FORMING_P = 0.05


@dataclass(frozen=True, eq=False)
class MapTest:
    """Result of :func:`one_sample_test`; all arrays have the cell shape ``data.shape[1:]``.

    Attributes
    ----------
    mean : np.ndarray of float64
        Mean over subjects.
    t : np.ndarray of float64
        One-sample t (mean / (sd / sqrt(n)), sd with ``ddof=1``); NaN in untestable cells.
    p : np.ndarray of float64
        Corrected two-sided p. ``"tmax"``: FWER-adjusted (share of sign patterns whose
        max-``|t|`` over the map reaches the cell's ``|t|``); ``"cluster"``: p of the cluster the
        cell belongs to, 1 outside clusters; ``"fdr"``: Benjamini-Hochberg adjusted.
        NaN in untestable cells.
    significant : np.ndarray of bool
        ``p < alpha`` (False where p is NaN).
    n_subjects : int
        Number of subject maps tested.
    method : str
        ``"tmax"``, ``"cluster"`` or ``"fdr"``.
    n_permutations : int
        Sign patterns used, the identity included (``2 ** (n_subjects - 1)`` when exact).
    exact : bool
        Whether all distinct sign patterns were enumerated.
    alpha : float
        Significance level of ``significant``.
    cluster_threshold : float | None
        Cluster-forming ``|t|`` threshold (``"cluster"`` only).
    clusters : np.ndarray of int | None
        ``"cluster"`` only: index of the cell's cluster (as in MNE's cluster list), -1
        outside clusters.
    """

    mean: np.ndarray
    t: np.ndarray
    p: np.ndarray
    significant: np.ndarray
    n_subjects: int
    method: str
    n_permutations: int
    exact: bool
    alpha: float
    cluster_threshold: float | None = None
    clusters: np.ndarray | None = None


def one_sample_test(
    data: npt.ArrayLike,
    *,
    method: str = "tmax",
    n_permutations: int = 1024,
    alpha: float = 0.05,
    seed: int | None = 0,
    adjacency: scipy.sparse.sparray | scipy.sparse.spmatrix | np.ndarray | None = None,
    cluster_threshold: float | None = None,
) -> MapTest:
    """Test per-subject maps against 0 with sign-flip permutations, corrected over the map.

    Parameters
    ----------
    data : array_like, shape (n_subjects, n_channels, ...)
        One map per subject (or one paired difference per subject). The family of the
        multiple-comparison correction is every cell of ``data.shape[1:]``.
    method : {"tmax", "cluster", "fdr"}
        Correction; see the module docstring.
    n_permutations : int
        Sign patterns to use, the identity included. If at least ``2 ** (n_subjects - 1)``,
        all distinct patterns are enumerated instead (exact test).
    alpha : float
        Level for ``significant``, in (0, 1); also the FDR level of ``"fdr"``.
    seed : int | None
        Seed of the random sign patterns (:func:`numpy.random.default_rng`; for
        ``"cluster"`` MNE's ``rng``). Unused in the exact case.
    adjacency : scipy sparse array or ndarray, shape (n_channels, n_channels) | None
        Channel neighbours, e.g. from ``mne.channels.find_ch_adjacency(info, "eeg")``, in
        the channel order of ``data``. Required for ``"cluster"``, ignored otherwise.
        Cells are neighbours only when they share all non-channel indices (band, layer,
        class, ...) and their channels are adjacent: those axes are separate maps, so a
        cluster never spans two bands.
    cluster_threshold : float | None
        Cluster-forming threshold on ``|t|`` (``"cluster"`` only). Default: the two-sided
        p = 0.05 quantile of Student's t with ``n_subjects - 1`` degrees of freedom
        (MNE's default), independent of ``alpha``.

    Returns
    -------
    MapTest
        Mean, t, corrected p and significance mask, each of shape ``data.shape[1:]``.

    Raises
    ------
    ValueError
        If ``method`` is unknown, ``data`` has fewer than 2 axes or 2 subjects, ``alpha``
        is not in (0, 1), ``n_permutations`` < 1, or ``adjacency`` is missing (for
        ``"cluster"``) or does not match the channel axis.
    """
    data, n_permutations = _check_arguments(data, method, n_permutations, alpha, seed)
    n_subjects, cell_shape = data.shape[0], data.shape[1:]
    if method == "cluster":
        adjacency, cluster_threshold = _check_cluster(
            adjacency, cluster_threshold, data.shape[1], n_subjects
        )
    else:
        cluster_threshold = None
    flat = data.reshape(n_subjects, -1)
    mean, valid = _mean_and_testable(flat)
    exact, n_used = _sign_patterns(n_subjects, n_permutations, alpha)
    if method == "cluster":
        t, p, labels = _cluster_test(
            flat, valid, adjacency, cell_shape, cluster_threshold, n_permutations, seed
        )
    else:
        t, p = _sign_flip_test(flat, valid, method, n_permutations, exact, alpha, seed)
        labels = None
    significant = np.zeros(flat.shape[1], dtype=bool)
    significant[valid] = p[valid] < alpha
    return MapTest(
        mean=mean.reshape(cell_shape),
        t=t.reshape(cell_shape),
        p=p.reshape(cell_shape),
        significant=significant.reshape(cell_shape),
        n_subjects=n_subjects,
        method=method,
        n_permutations=n_used,
        exact=exact,
        alpha=float(alpha),
        cluster_threshold=cluster_threshold,
        clusters=None if labels is None else labels.reshape(cell_shape),
    )


def _check_arguments(
    data: npt.ArrayLike, method: str, n_permutations: int, alpha: float, seed: int | None
) -> tuple[np.ndarray, int]:
    """Validate the arguments of :func:`one_sample_test` but the cluster ones.

    Returns
    -------
    data : np.ndarray of float64, shape (n_subjects, n_channels, *other)
        ``data`` as an array.
    n_permutations : int
        ``n_permutations`` as a Python integer.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    data = np.asarray(data, dtype=np.float64)
    if data.ndim < 2:
        raise ValueError(
            f"data must have shape (n_subjects, n_channels, ...), got shape {data.shape}"
        )
    n_subjects = data.shape[0]
    if n_subjects < 2:
        raise ValueError(f"data must hold at least 2 subjects, got {n_subjects}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if (
        isinstance(n_permutations, bool)
        or not isinstance(n_permutations, numbers.Integral)
        or n_permutations < 1
    ):
        raise ValueError(f"n_permutations must be an integer >= 1, got {n_permutations!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise ValueError(f"seed must be an integer or None, got {seed!r}")
    return data, int(n_permutations)


def _check_cluster(
    adjacency: scipy.sparse.sparray | scipy.sparse.spmatrix | np.ndarray | None,
    cluster_threshold: float | None,
    n_channels: int,
    n_subjects: int,
) -> tuple[scipy.sparse.coo_array, float]:
    """Validate the ``"cluster"`` arguments; return the binary adjacency and the |t| threshold.

    Without a threshold, the two-sided :data:`CLUSTER_FORMING_P` quantile of
    Student's t with ``n_subjects - 1`` degrees of freedom.
    """
    adjacency = _check_adjacency(adjacency, n_channels)
    if cluster_threshold is None:
        cluster_threshold = float(scipy.stats.t.ppf(1.0 - CLUSTER_FORMING_P / 2.0, n_subjects - 1))
    elif not (math.isfinite(cluster_threshold) and cluster_threshold > 0):
        raise ValueError(f"cluster_threshold must be > 0, got {cluster_threshold}")
    return adjacency, cluster_threshold


def _mean_and_testable(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean over subjects of ``flat`` (n_subjects, n_cells) and the testable cells.

    A cell is testable when all subjects are finite there and not all equal.
    """
    with np.errstate(invalid="ignore"):
        mean = flat.mean(axis=0)
    valid = np.isfinite(flat).all(axis=0)
    valid[valid] = np.ptp(flat[:, valid], axis=0) > 0
    return mean, valid


def _sign_patterns(n_subjects: int, n_permutations: int, alpha: float) -> tuple[bool, int]:
    """Return whether the test is exact and how many sign patterns it uses.

    Warns when no p can fall below ``alpha`` with that many patterns.
    """
    exact = n_permutations >= 2 ** (n_subjects - 1)
    n_used = 2 ** (n_subjects - 1) if exact else n_permutations
    if 1.0 / n_used >= alpha:
        logger.warning(
            "one_sample_test: with %d subjects and %d sign patterns the smallest p is 1/%d, "
            "not below alpha = %g: no cell can be significant",
            n_subjects,
            n_used,
            n_used,
            alpha,
        )
    return exact, n_used


def _warn_if_untestable(valid: np.ndarray) -> bool:
    """Warn when no cell is testable; return whether any is."""
    if valid.any():
        return True
    logger.warning("one_sample_test: no testable cell (all NaN or constant over subjects)")
    return False


def _sign_flip_test(
    flat: np.ndarray,
    valid: np.ndarray,
    method: str,
    n_permutations: int,
    exact: bool,
    alpha: float,
    seed: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return t and the ``"tmax"`` or ``"fdr"`` corrected p of every cell (NaN if untestable).

    Parameters
    ----------
    flat : np.ndarray, shape (n_subjects, n_cells)
        The subjects' maps, flattened.
    valid : np.ndarray of bool, shape (n_cells,)
        The testable cells.
    method : {"tmax", "fdr"}
        The correction.
    n_permutations, exact, alpha, seed
        As for :func:`one_sample_test` (``exact``: all sign patterns are enumerated).
    """
    t = np.full(flat.shape[1], np.nan)
    p = np.full(flat.shape[1], np.nan)
    if not _warn_if_untestable(valid):
        return t, p
    x = flat[:, valid]
    t_valid = _t_values(np.ones((1, x.shape[0])), x)[0]
    max_null, counts = _sign_flip_null(x, np.abs(t_valid), n_permutations, exact, seed)
    n_used = len(max_null) + 1  # the identity and the null patterns
    t[valid] = t_valid
    if method == "tmax":
        max_all = np.sort(np.append(max_null, np.abs(t_valid).max()))
        reached = n_used - np.searchsorted(max_all, np.abs(t_valid), side="left")
        p[valid] = reached / n_used
    else:
        p[valid] = mne.stats.fdr_correction((counts + 1) / n_used, alpha=alpha)[1]
    return t, p


def _cluster_test(
    flat: np.ndarray,
    valid: np.ndarray,
    adjacency: scipy.sparse.coo_array,
    cell_shape: tuple[int, ...],
    threshold: float,
    n_permutations: int,
    seed: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return t, cluster p and cluster labels of every cell (NaN, NaN, -1 if untestable).

    ``flat`` (n_subjects, n_cells) holds the subjects' maps of shape
    ``cell_shape``, flattened; ``valid`` marks the testable cells; ``adjacency``
    is the channel adjacency; the rest as for :func:`one_sample_test`.
    """
    t = np.full(flat.shape[1], np.nan)
    p = np.full(flat.shape[1], np.nan)
    labels = np.full(flat.shape[1], -1)
    if _warn_if_untestable(valid):
        t[valid], p[valid], labels[valid] = _cluster(
            flat[:, valid],
            _cell_adjacency(adjacency, cell_shape, valid),
            threshold,
            n_permutations,
            seed,
        )
    return t, p, labels


def _t_values(signs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return the one-sample t of ``x`` (n, m) under each sign pattern of ``signs`` (k, n).

    The sum of squares does not change under sign flips, so the variance follows from
    the flipped mean alone (as in MNE's ``permutation_t_test``).
    """
    n = x.shape[0]
    mean = (signs @ x) / n
    var = np.maximum((np.square(x).sum(axis=0) - n * np.square(mean)) / (n - 1), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return mean / np.sqrt(var / n)


def _sign_flip_null(
    x: np.ndarray, abs_t: np.ndarray, n_permutations: int, exact: bool, seed: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return max-|t| per non-identity sign pattern and per-cell exceedance counts.

    Parameters
    ----------
    x : np.ndarray, shape (n_subjects, n_cells)
        Testable cells only.
    abs_t : np.ndarray, shape (n_cells,)
        Observed |t|.

    Returns
    -------
    max_null : np.ndarray, shape (n_used - 1,)
        Max over cells of |t| for every pattern but the identity.
    counts : np.ndarray of int, shape (n_cells,)
        Patterns (identity excluded) whose |t| in the cell reaches the observed |t|.
    """
    n, m = x.shape
    if exact:
        # Subject 0 keeps its sign; bit i of the pattern number flips subject i + 1.
        n_null = 2 ** (n - 1) - 1

        def patterns(start: int, stop: int) -> np.ndarray:
            numbers_ = np.arange(start + 1, stop + 1, dtype=np.int64)[:, None]
            flips = (numbers_ >> np.arange(n - 1)) & 1
            return np.hstack([np.ones((stop - start, 1)), 1.0 - 2.0 * flips])
    else:
        n_null = n_permutations - 1
        drawn = np.random.default_rng(seed).integers(0, 2, size=(n_null, n), dtype=np.int8)

        def patterns(start: int, stop: int) -> np.ndarray:
            return 1.0 - 2.0 * drawn[start:stop]

    chunk = max(1, _CHUNK_VALUES // m)
    max_null = np.empty(n_null)
    counts = np.zeros(m, dtype=np.int64)
    for start in range(0, n_null, chunk):
        stop = min(start + chunk, n_null)
        abs_null = np.abs(_t_values(patterns(start, stop), x))
        max_null[start:stop] = abs_null.max(axis=1)
        counts += (abs_null >= abs_t).sum(axis=0)
    return max_null, counts


def _check_adjacency(
    adjacency: scipy.sparse.sparray | scipy.sparse.spmatrix | np.ndarray | None, n_channels: int
) -> scipy.sparse.coo_array:
    """Return ``adjacency`` as a binary sparse (n_channels, n_channels) array."""
    if adjacency is None:
        raise ValueError(
            "adjacency is required for method='cluster': a (n_channels, n_channels) "
            "channel adjacency, e.g. mne.channels.find_ch_adjacency(info, 'eeg')[0]"
        )
    if scipy.sparse.issparse(adjacency):
        adjacency = scipy.sparse.coo_array(adjacency)
    else:
        adjacency = np.asarray(adjacency)
        if adjacency.ndim != 2:
            raise ValueError(f"adjacency must be 2-D, got shape {adjacency.shape}")
        adjacency = scipy.sparse.coo_array(adjacency)
    if adjacency.shape != (n_channels, n_channels):
        raise ValueError(
            f"adjacency must have shape ({n_channels}, {n_channels}) to match the channel "
            f"axis of data, got {adjacency.shape}"
        )
    adjacency = (adjacency != 0).astype(np.float64)
    return scipy.sparse.coo_array(adjacency)


def _cell_adjacency(
    channels: scipy.sparse.coo_array, cell_shape: tuple[int, ...], valid: np.ndarray
) -> scipy.sparse.csr_array:
    """Return the adjacency of the testable cells, flattened in C order of ``cell_shape``.

    Channels are adjacent as in ``channels``; no adjacency along the other axes (a matrix
    of zeros for each in :func:`mne.stats.combine_adjacency`).
    """
    structure = [channels] + [np.zeros((size, size)) for size in cell_shape[1:]]
    cells = scipy.sparse.csr_array(mne.stats.combine_adjacency(*structure))
    index = np.flatnonzero(valid)
    return cells[index][:, index]


def _cluster(
    x: np.ndarray,
    adjacency: scipy.sparse.csr_array,
    threshold: float,
    n_permutations: int,
    seed: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return t, per-cell cluster p (1 outside clusters) and cluster labels of ``x`` (n, m)."""
    t, clusters, cluster_p, _ = mne.stats.permutation_cluster_1samp_test(
        x,
        threshold=threshold,
        n_permutations=n_permutations,
        tail=0,
        adjacency=adjacency,
        out_type="indices",
        rng=seed,
        verbose="error",
    )
    p = np.ones(x.shape[1])
    labels = np.full(x.shape[1], -1)
    for label, (cells, cell_p) in enumerate(zip(clusters, cluster_p, strict=True)):
        (index,) = cells
        p[index] = cell_p
        labels[index] = label
    return np.asarray(t, dtype=np.float64), p, labels
