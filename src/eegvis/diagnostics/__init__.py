"""Diagnostics of what a network relies on: scalp regions, eye- and muscle-prone sites.

::

    from eegvis.diagnostics import reliance_table, reliance_warnings
    maps = {name: eegvis.read_maps(f"results/demo/gradient/{name}.nc")
            for name in ("trained", "untrained", "shuffled")}
    table = reliance_table(maps)      # share per region × frequency range
    reliance_warnings(table)          # messages where eye or muscle sites dominate

- :mod:`~eegvis.diagnostics.regions`: scalp regions from channel positions.
- :mod:`~eegvis.diagnostics.artifact_reliance`: the share of a network's
  gradient (and gradient attribution) per region and frequency range, and the
  warnings.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["artifact_reliance", "regions"],
    submod_attrs={
        "artifact_reliance": [
            "ANALYSES",
            "ARTIFACT_REGIONS",
            "FREQUENCY_RANGES",
            "reliance_table",
            "class_contrasts",
            "reliance_warnings",
        ],
        "regions": ["REGIONS", "channel_regions", "head_angles"],
    },
)
