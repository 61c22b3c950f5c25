"""Docs that the family builders share, as :data:`eegvis.utils.docs.docdict` entries.

:mod:`~eegvis.stats.families` builds every analysis's families from the maps
of the trained network and its controls, keeping the subjects the statistics
use; importing :func:`fill_doc` from here adds their entries to the docdict
first.

Private to :mod:`eegvis.stats`.
"""

from __future__ import annotations

from eegvis.utils.docs import docdict, fill_doc

__all__ = ["fill_doc"]

docdict["controls"] = """controls : sequence of str
    Control networks, e.g. ``["untrained", "shuffled"]``."""
docdict["kept_subjects"] = """subjects : {"all", "train", "valid"}
    Subjects to keep (the config's ``statistics.subjects``, see
    :func:`subject_selection`)."""
