"""Per-subject epoching summaries: the table of all subjects and who is usable.

The epoching step writes one summary per subject
(:meth:`eegvis.data.epochs.EpochingSummary.to_dict`, as JSON); these functions read
them back for the summary table and for the later steps, which skip subjects
marked ``excluded``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)


def summary_table(summaries: Sequence[Mapping], train_subjects: Sequence[int]) -> pd.DataFrame:
    """Tabulate per-subject epoching summaries.

    Parameters
    ----------
    summaries : sequence of mapping
        :meth:`eegvis.data.epochs.EpochingSummary.to_dict` of each subject.
    train_subjects : sequence of int
        Subjects of the training split; the others are validation subjects.

    Returns
    -------
    table : pandas.DataFrame
        One row per subject: ``subject``, ``split``, one ``n_<class>`` column
        per class, ``n_dropped``, ``sfreq``, ``resampled``, ``excluded``,
        ``reason``.
    """
    rows = []
    for summary in summaries:
        row = {
            "subject": summary["subject"],
            "split": "train" if summary["subject"] in train_subjects else "valid",
        }
        row.update({f"n_{name}": count for name, count in summary["n_trials"].items()})
        row.update(
            n_dropped=len(summary["dropped"]),
            sfreq=summary["sfreq"],
            resampled=summary["resampled"],
            excluded=summary["excluded"],
            reason=summary["reason"],
        )
        rows.append(row)
    return pd.DataFrame(rows)


def usable_subjects(summary_paths: Sequence[str | os.PathLike]) -> list[int]:
    """Return the indices of the subjects that later steps use.

    Parameters
    ----------
    summary_paths : sequence of path-like
        Per-subject epoching summaries (JSON); a subject marked ``excluded``
        is left out, with a log line saying why.

    Returns
    -------
    indices : list of int
        Positions in ``summary_paths`` of the usable subjects.
    """
    indices = []
    for index, path in enumerate(summary_paths):
        summary = json.loads(Path(path).read_text())
        if summary["excluded"]:
            logger.warning("Skipping subject %d: %s", summary["subject"], summary["reason"])
        else:
            indices.append(index)
    return indices
