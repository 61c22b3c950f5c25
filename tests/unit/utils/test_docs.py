"""Shared parameter docs: fill_doc fills docdict entries in, indented like their line."""

from __future__ import annotations

import inspect

import pytest

from eegvis.data.trials import iter_epochs_subjects
from eegvis.utils.docs import docdict, fill_doc


def test_entries_are_filled_in_and_indented_like_their_line():
    def documented(model, units):
        """Do something.

        Parameters
        ----------
        %(model)s
        %(units)s
        """

    assert fill_doc(documented) is documented
    model_lines = docdict["model"].splitlines()
    expected = "\n".join(
        [
            "Do something.",
            "",
            "        Parameters",
            "        ----------",
            *("        " + line for line in model_lines),
            *("        " + line for line in docdict["units"].splitlines()),
            "        ",
        ]
    )
    assert documented.__doc__ == expected
    # numpydoc reads it: the entry's description sits 4 spaces under its name.
    cleaned = inspect.cleandoc(documented.__doc__)
    assert "model : nn.Module\n    Any network taking" in cleaned
    assert "%(" not in documented.__doc__


def test_classes_and_undocumented_functions():
    @fill_doc
    class Documented:
        """A class.

        %(info)s
        """

    assert (
        Documented.__doc__
        == "A class.\n\n        info : mne.Info\n            The channels.\n        "
    )

    def bare():
        pass

    assert fill_doc(bare) is bare and bare.__doc__ is None


def test_an_unknown_entry_raises_a_key_error_naming_the_function():
    def misspelt():
        """%(modle)s"""

    with pytest.raises(
        KeyError, match=r"test_an_unknown_entry.*<locals>\.misspelt: no docdict entry 'modle'"
    ):
        fill_doc(misspelt)


def test_every_entry_is_a_numpydoc_parameter():
    for name, entry in docdict.items():
        first, *rest = entry.splitlines()
        assert " : " in first, name
        assert rest and all(line.startswith("    ") and line[4] != " " for line in rest), name


def test_the_library_docstrings_are_filled():
    doc = iter_epochs_subjects.__doc__
    assert "%(" not in doc
    assert "    epochs : mne.Epochs\n        Trials of one or more subjects" in doc
    assert "    bands : mapping of str to (float, float) | list of dict\n" in doc
