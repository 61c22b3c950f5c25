"""Small helpers every part uses: file output, devices, progress, parameter docs, rst."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["devices", "io", "progress", "rst"],
    submod_attrs={
        "devices": ["resolve_device"],
        "io": ["atomic_output", "save_figure", "write_json"],
        # eegvis.utils.progress is the module; its function: eegvis.utils.progress.progress
        "progress": ["counted", "format_duration", "Progress"],
        "rst": ["admonition", "cell", "embedded_image", "escape", "list_table"],
    },
)
