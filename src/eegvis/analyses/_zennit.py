"""Zennit's LRP rules and composites, without its package ``__init__``.

``zennit/__init__`` imports ``zennit.torchvision`` (canonizers for torchvision's
ResNets), which imports torchvision; PyPI's torchvision wheels do not import
beside the CPU build of torch that eegvis pins ("operator torchvision::nms does
not exist"). The modules eegvis uses (``core``, ``rules``, ``composites``,
``types``, ``layer``, ``canonizers``) import only torch, so they are loaded
from the installed package with its ``__init__`` bypassed: a bare ``zennit``
package module whose ``__path__`` is the installed folder. Where zennit has
already been imported in full (a machine whose torchvision works), that one
is used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


def zennit_module(name: str) -> types.ModuleType:
    """Return ``zennit.<name>`` (e.g. ``"composites"``), importing zennit's package bare.

    Raises
    ------
    ImportError
        If zennit is not installed.
    """
    qualified = f"zennit.{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    if "zennit" not in sys.modules:
        spec = importlib.util.find_spec("zennit")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("the LRP method needs zennit: pip install zennit==0.5.1")
        package = types.ModuleType("zennit")
        package.__path__ = list(spec.submodule_search_locations)
        package.__spec__ = spec
        sys.modules["zennit"] = package
    return importlib.import_module(qualified)
