"""Small helpers every part uses: atomic file output, devices, shared parameter docs, rst."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["devices", "io", "rst"],
    submod_attrs={
        "devices": ["resolve_device"],
        "io": ["atomic_output", "save_figure", "write_json"],
        "rst": ["admonition", "cell", "embedded_image", "escape", "list_table"],
    },
)
