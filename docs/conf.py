"""Sphinx configuration of the eegvis documentation (offline: no intersphinx, no downloads).

``make -C docs html`` builds it with warnings as errors. The configuration reference
is rendered from ``workflow/schemas/config.schema.yaml`` and the API reference from the
subpackages' ``__all__`` at build time (extensions in ``_ext/``); the gallery's examples
run at build time on synthetic data.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
# The checkout's own package, before any installed copy, and the local extensions.
sys.path[:0] = [str(REPO / "src"), str(DOCS / "_ext")]

import eegvis  # noqa: E402

project = "eegvis"
author = "the eegvis developers"
copyright = "the eegvis developers"  # noqa: A001
version = release = eegvis.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "eegvis_api",
    "eegvis_schema",
]

exclude_patterns = [
    "_build",
    "examples/GALLERY_HEADER.rst",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "**/*.zip",
]
default_role = "py:obj"
nitpicky = True
# No intersphinx (the build is offline): names of other packages stay plain text.
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(mne|mne_icalabel|mne_bids|moabb|np|numpy|npt|pd|pandas|xr|xarray|torch|nn|scipy"
        r"|matplotlib|jsonschema|captum|zennit)(\..*)?",
    ),
    (
        r"py:.*",
        r"(Figure|Axes|Path|PathLike|os\.PathLike|TypeVar|Literal|Callable|Any)",
    ),
    (r"py:.*", r"(collections\.abc|typing|pathlib|dataclasses|datetime|logging)\..*"),
]

# API reference: the public names of these modules (their __all__), one page each.
eegvis_api_modules = [
    "eegvis",
    "eegvis.data",
    "eegvis.preprocessing",
    "eegvis.models",
    "eegvis.training",
    "eegvis.analyses",
    "eegvis.maps",
    "eegvis.evaluation",
    "eegvis.diagnostics",
    "eegvis.stats",
    "eegvis.viz",
    "eegvis.pipeline",
    "eegvis.utils",
]
eegvis_config_schema = str(REPO / "workflow" / "schemas" / "config.schema.yaml")

autosummary_generate = False  # eegvis_api writes the pages
autodoc_default_options = {"inherited-members": False}
autodoc_typehints = "none"  # the numpydoc sections give the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"/_",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "download_all_examples": False,
    "plot_gallery": "True",
    "remove_config_comments": True,
    "reset_modules": ("matplotlib",),
    "min_reported_time": 0,
    "image_srcset": [],
    "matplotlib_animations": False,
    "show_signature": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"eegvis {version}"
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# The section navigation only in the gallery ("*" does not match a "/"): elsewhere a
# page has no children worth listing, or, for the API pages, hundreds.
html_sidebars = {"*": [], "generated/*": []}
html_context = {"default_mode": "light"}
