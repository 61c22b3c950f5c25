"""Shared parameter docs: one :data:`docdict` entry per parameter, filled in by :func:`fill_doc`.

As in MNE-Python: a docstring names an entry as ``%(name)s`` on a line of its
own, and :func:`fill_doc` replaces it with the entry, indented like that line.
A parameter documented in several functions is written once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

Documented = TypeVar("Documented", bound=Callable)

#: Parameter name to its numpydoc entry (first line ``name : type``, then the
#: description indented by four spaces).
docdict: dict[str, str] = {}

docdict["model"] = """model : nn.Module
    Any network taking ``(batch, n_chans, input_length)`` input; class scores
    are its outputs (averaged over dense outputs)."""
docdict["epochs"] = """epochs : mne.Epochs
    Trials of one or more subjects (subjects from a ``subject`` metadata
    column, see :func:`eegvis.data.trials.iter_epochs_subjects`)."""
docdict["bands"] = """bands : mapping of str to (float, float) | list of dict
    Band name to ``(low, high)`` in Hz, or the config's form: a list of
    ``{"name", "low", "high"}``."""
docdict["raw"] = """raw : mne.io.Raw | mapping of int to mne.io.Raw | None
    The continuous recording the epochs were cut from (one per subject in a
    mapping), band-passed before cutting so the filter's edge effects stay at
    the recording's ends; default: the trials themselves are filtered."""
docdict["classes"] = """classes : sequence of str | None
    Event names in the order of the network's classes; default the order of
    ``epochs.event_id``."""
docdict["units"] = """units : str
    Units the network expects, e.g. ``"uV"`` (``Epochs.get_data(units=...)``)."""
docdict["input_length"] = """input_length : int | None
    The network's input window in samples; default ``model.n_times``."""
docdict["strip_log_softmax"] = """strip_log_softmax : bool
    Use the scores before the model's last ``nn.LogSoftmax`` (ignored, with
    nothing to strip, when it has none)."""
docdict["subjects"] = """subjects : iterable of SubjectTrials
    Each subject's trials (:class:`eegvis.data.subjects.SubjectTrials`),
    consumed one at a time."""
docdict["info"] = """info : mne.Info
    The channels."""
docdict["network"] = """network : str
    Name of the network, recorded in the maps' attributes."""
docdict["map_tables"] = """statistics, reliability : pandas.DataFrame
    Statistics and reliability tables of the analysis
    (:func:`eegvis.stats.tables.statistics_table`,
    :func:`eegvis.stats.tables.reliability_table`)."""
docdict["ch_names"] = """ch_names : sequence of str
    Channel names of the maps."""
docdict["relevance"] = """relevance : array-like, shape (..., n_channels, n_freqs)
    Attribution maps, finite, any leading axes (e.g. subjects); scored on
    ``|relevance|``."""
docdict["mask"] = """mask : array-like of bool, shape (n_channels, n_freqs)
    Where the truth lies (e.g. :func:`eegvis.data.artifacts.planted_masks`): the
    shape of the trailing axes of ``relevance``, with at least one cell in and
    one out."""
docdict["ground_truth_score"] = """score : float | numpy.ndarray, shape (...)
    One score per map (a float for a single map)."""
docdict["figure_subjects"] = """subjects : {"all", "train", "valid"}
    Subjects the statistics used (named in the caption)."""
docdict["figure_title"] = """title : str
    Figure title."""
docdict["crops_model"] = """model : torch.nn.Module
    Maps crops of shape (batch, n_chans, n_times) to outputs of shape
    (batch, n_classes) or (batch, n_classes, n_preds, ...); trailing axes
    (dense predictions over time) are averaged. The outputs should be the
    predictions before the softmax: pass the network without its final
    ``LogSoftmax``, or set ``strip_log_softmax``."""
docdict["rfft_freqs"] = """freqs : numpy.ndarray, shape (n_freqs,)
    Frequency of each bin in Hz (``numpy.fft.rfftfreq(n_times, 1 /
    sfreq)``)."""
docdict["controls"] = """controls : sequence of str
    Control networks, e.g. ``["untrained", "shuffled"]``."""
docdict["kept_subjects"] = """subjects : {"all", "train", "valid"}
    Subjects to keep (the config's ``statistics.subjects``, see
    :func:`eegvis.stats.families.subject_selection`)."""


def fill_doc(function: Documented) -> Documented:
    """Fill the ``%(name)s`` entries of ``function``'s docstring from :data:`docdict`.

    Parameters
    ----------
    function : callable
        A function or class with a docstring.

    Returns
    -------
    function : callable
        The same object, its docstring filled in.

    Raises
    ------
    KeyError
        If the docstring names an entry :data:`docdict` does not have.
    """
    docstring = function.__doc__
    if not docstring:
        return function
    lines = docstring.splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    indent = " " * (min(indents) if indents else 0)
    entries = {name: entry.replace("\n", "\n" + indent) for name, entry in docdict.items()}
    try:
        function.__doc__ = docstring % entries
    except KeyError as error:
        raise KeyError(f"{function.__qualname__}: no docdict entry {error}") from None
    return function
