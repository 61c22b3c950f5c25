"""Preprocessing of continuous recordings: line noise, per-subject ICA with ICLabel.

:func:`~eegvis.preprocessing.subject.preprocess_runs` cleans one subject's runs as
the workflow's ``preprocessing`` and ``dataset.channels`` say (notch filter,
ICA, channel selection).

:func:`~eegvis.preprocessing.ica.clean_with_ica` fits an ICA on one subject's
runs, labels the components with ICLabel and removes eye and muscle
components from the (average-referenced) runs::

    from eegvis.preprocessing import clean_with_ica
    cleaning = clean_with_ica(runs, subject=1)
    cleaning.runs          # the cleaned runs, one per input run
    cleaning.to_record()   # what preprocessing/sub-XXX_ica.json holds
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["ica", "line_noise", "subject"],
    submod_attrs={
        "ica": ["ICLABEL_LABELS", "ICACleaning", "clean_with_ica", "ica_summary"],
        "line_noise": ["line_frequencies", "remove_line_noise"],
        "subject": ["preprocess_runs"],
    },
)
