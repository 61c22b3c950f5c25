"""The order of the gallery's examples: from what the data hold to what a network uses."""

from __future__ import annotations

#: Example files in reading order; others follow, by name.
ORDER = (
    "plot_envelope_class.py",
    "plot_envelope_activation.py",
    "plot_gradient.py",
    "plot_perturbation.py",
    "plot_attribution_methods.py",
    "plot_eye_confound.py",
    "plot_own_network.py",
)


class ExampleOrder:
    """Sort key of sphinx-gallery's ``within_subsection_order``: the place in :data:`ORDER`.

    Parameters
    ----------
    src_dir : str
        The gallery's folder (unused: the order is by file name).
    """

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        """Return the sort key of one example file."""
        return (ORDER.index(filename) if filename in ORDER else len(ORDER), filename)
