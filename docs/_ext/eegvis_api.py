"""The API reference from the modules' ``__all__``: one page per public name, and its tables.

``.. public-api:: eegvis.analyses`` renders autosummary tables (submodules,
classes, functions, constants) of the names the module exports: its ``__all__``,
or, for a module without one, the public names it defines. Each name is
documented once, under the module that defines it (so that the docstrings'
cross-references to ``eegvis.<subpackage>.<module>.<name>`` resolve), on a page
written before Sphinx reads the sources; the page also lists the public paths
the name is imported by. The modules come from the ``eegvis_api_modules``
setting, so the reference cannot drift from the package.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains.python import PythonDomain
from sphinx.environment import BuildEnvironment
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

#: Folder (in the source directory) of the pages, as autosummary's ``:toctree:``.
PAGES = "generated"
#: Table headings, in the order the tables appear.
KINDS = {
    "module": "Submodules",
    "class": "Classes",
    "function": "Functions",
    "data": "Constants",
}
_DIRECTIVES = {
    "module": "automodule",
    "class": "autoclass",
    "function": "autofunction",
    "data": "autodata",
}


@dataclass
class PublicName:
    """One documented object: where it is defined and the public paths it is imported by."""

    canonical: str
    kind: str
    public: list[str] = field(default_factory=list)


def public_names(module: ModuleType) -> list[str]:
    """Return the names ``module`` exports: ``__all__``, else the public names it defines."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    ]


def _data_module(module: ModuleType, name: str) -> str:
    """Return the module that assigns (and documents) the constant ``module.name``."""
    value = getattr(module, name)
    candidates = [module.__name__]
    if hasattr(module, "__path__"):
        for info in pkgutil.iter_modules(module.__path__, module.__name__ + "."):
            submodule = importlib.import_module(info.name)
            if vars(submodule).get(name) is value:
                candidates.append(info.name)
    for candidate in candidates:
        if ("", name) in ModuleAnalyzer.for_module(candidate).find_attr_docs():
            return candidate
    return module.__name__


def describe(module: ModuleType, name: str) -> tuple[str, str]:
    """Return the kind of ``module.name`` and the path of the module defining it."""
    value = getattr(module, name)
    if inspect.ismodule(value):
        return "module", value.__name__
    if inspect.isclass(value):
        return "class", f"{value.__module__}.{value.__qualname__}"
    if inspect.isfunction(value):
        return "function", f"{value.__module__}.{value.__qualname__}"
    return "data", f"{_data_module(module, name)}.{name}"


def submodules(module: ModuleType, exclude: list[str]) -> list[str]:
    """Return the public modules of a package (not subpackages, nor those in ``exclude``)."""
    if not hasattr(module, "__path__"):
        return []
    return [
        info.name
        for info in pkgutil.iter_modules(module.__path__, module.__name__ + ".")
        if not info.ispkg
        and not info.name.rpartition(".")[2].startswith("_")
        and info.name not in exclude
    ]


def collect(modules: list[str]) -> dict[str, dict[str, list[PublicName]]]:
    """Return each module's public names by kind, sorted, every name documented once.

    A package's submodules are listed too (except the modules of ``modules``,
    which the API page documents itself), whether or not ``__all__`` names them.
    """
    documented: dict[str, PublicName] = {}
    tables: dict[str, dict[str, list[PublicName]]] = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        kinds: dict[str, list[PublicName]] = defaultdict(list)
        described = [
            describe(module, name) + (f"{module_name}.{name}",) for name in public_names(module)
        ]
        described += [("module", name, name) for name in submodules(module, modules)]
        for kind, canonical, public in described:
            if kind == "module" and canonical in modules:
                continue
            entry = documented.setdefault(canonical, PublicName(canonical, kind))
            if public not in entry.public:
                entry.public.append(public)
            if entry not in kinds[kind]:
                kinds[kind].append(entry)
        tables[module_name] = {
            kind: sorted(kinds[kind], key=lambda e: e.canonical.rsplit(".", 1)[-1].lower())
            for kind in KINDS
            if kinds[kind]
        }
    return tables


def page(entry: PublicName) -> str:
    """Return the reST page of one documented object."""
    module, _, name = entry.canonical.rpartition(".")
    title = entry.canonical if entry.kind == "module" else name  # the signature has the path
    lines = [title, "=" * len(title), ""]
    if entry.kind == "module":
        lines += [f".. automodule:: {entry.canonical}", ""]
    else:
        options = ["   :members:", ""] if entry.kind == "class" else [""]
        lines += [
            f".. currentmodule:: {module}",
            "",
            f".. {_DIRECTIVES[entry.kind]}:: {name}",
        ]
        lines += options
    others = [path for path in entry.public if path != entry.canonical]
    if others:
        imports = ", ".join(f"``{path}``" for path in others)
        lines += [f"Importable as {imports}.", ""]
    return "\n".join(lines)


def write_pages(app: Sphinx) -> None:
    """Write the page of every public name into ``<srcdir>/generated/``.

    Unchanged pages are left alone (Sphinx then need not read them again), and the
    pages of names no longer public are removed.
    """
    tables = collect(app.config.eegvis_api_modules)
    app.env.eegvis_api_tables = tables
    folder = Path(app.srcdir) / PAGES
    folder.mkdir(exist_ok=True)
    pages = {
        folder / f"{entry.canonical}.rst": page(entry)
        for kinds in tables.values()
        for entries in kinds.values()
        for entry in entries
    }
    for path in set(folder.glob("*.rst")) - set(pages):
        path.unlink()
    for path, text in pages.items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


#: What :func:`find` returns for a path the code does not have.
MISSING = object()
#: What :func:`find` returns for an attribute that exists on instances only.
INSTANCE_ATTRIBUTE = object()


def _instance_attribute(cls: type, name: str) -> bool:
    """Return whether instances of ``cls`` have ``name``: a field, or set as ``self.name``."""
    if name in getattr(cls, "__dataclass_fields__", {}) or name in getattr(
        cls, "__annotations__", {}
    ):
        return True
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return False
    return re.search(rf"\bself\.{re.escape(name)}\b", source) is not None


def find(path: str) -> object:
    """Return the object at ``path`` (``eegvis.x.y``); :data:`MISSING` where there is none."""
    parts = path.split(".")
    if parts[0] != "eegvis":
        return MISSING
    for end in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        break
    for name in parts[end:]:
        if hasattr(value, name):
            value = getattr(value, name)
        elif inspect.isclass(value) and _instance_attribute(value, name):
            return INSTANCE_ATTRIBUTE
        else:
            return MISSING
    return value


def canonical_name(value: object, domain: PythonDomain) -> str | None:
    """Return the documented name of ``value``: where it is defined, or the constant it is."""
    if inspect.ismodule(value):
        return value.__name__
    if inspect.isclass(value) or inspect.isfunction(value):
        return f"{value.__module__}.{value.__qualname__}"
    constants = [
        name
        for name, entry in domain.objects.items()
        if entry.objtype == "data" and name.startswith("eegvis.") and find(name) is value
    ]
    return constants[0] if len(constants) == 1 else None


def _candidates(target: str, module: str, cls: str | None) -> list[str]:
    """Return the paths a target written in ``module`` (and class ``cls``) may mean."""
    scopes = [f"{module}.{cls}"] if cls else []
    parts = module.split(".") if module else []
    scopes += [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
    return [f"{scope}.{target}" for scope in scopes] + [target]


def _loaded_paths(target: str) -> list[str]:
    """Return the paths of ``target`` in the loaded eegvis modules (context-free summaries)."""
    head = target.split(".", 1)[0]
    return [
        f"{name}.{target}"
        for name, module in sorted(sys.modules.items())
        if name.startswith("eegvis") and module is not None and head in vars(module)
    ]


def resolve_in_code(
    app: Sphinx,
    env: BuildEnvironment,
    node: addnodes.pending_xref,
    contnode: nodes.Element,
) -> nodes.Element | None:
    """Resolve a Python reference the domain could not, by looking the name up in the code.

    Docstrings name objects by their public path (``eegvis.models.Deep4Net``), by
    their defining module's path, or relative to the module they are in (the
    first-line summaries in the API tables lose that module: then any loaded
    eegvis module that has the name will do). A name found in the code links to
    its page when it has one, and otherwise stays plain code (it exists, but is
    not part of the reference); a name the code does not have stays unresolved,
    and nitpicky mode reports it.
    """
    if node.get("refdomain") != "py":
        return None
    domain = env.domains["py"]
    target = node["reftarget"].lstrip(".~")
    paths = _candidates(target, node.get("py:module") or "", node.get("py:class"))
    for path in [*paths, *_loaded_paths(target)]:
        value = find(path)
        if value is MISSING:
            continue
        if value is not INSTANCE_ATTRIBUTE:
            name = canonical_name(value, domain)
            if name in domain.objects:
                return domain.resolve_xref(
                    env, node["refdoc"], app.builder, "obj", name, node, contnode
                )
        return contnode
    return None


def _relative(name: str, module: str) -> str:
    """Return ``name`` relative to the current module (autosummary's spelling)."""
    return name.removeprefix(f"{module}.") if module else name


class PublicAPI(SphinxDirective):
    """``.. public-api:: <module>``: tables of the module's public names, by kind."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        """Parse the autosummary tables of the module named in the argument."""
        module = self.arguments[0]
        tables = getattr(self.env, "eegvis_api_tables", {})
        if module not in tables:
            raise self.error(f"public-api: {module} is not in eegvis_api_modules")
        current = self.env.ref_context.get("py:module", "")
        lines = []
        for kind, entries in tables[module].items():
            lines += [f".. rubric:: {KINDS[kind]}", "", ".. autosummary::"]
            lines += [f"   :toctree: {PAGES}", "   :nosignatures:", ""]
            lines += [f"   ~{_relative(entry.canonical, current)}" for entry in entries] + [""]
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(lines, source=module), container)
        return container.children


def setup(app: Sphinx) -> dict[str, object]:
    """Register the setting, the page writer and the directive."""
    app.add_config_value("eegvis_api_modules", [], "env", types=[list])
    app.connect("builder-inited", write_pages)
    app.add_directive("public-api", PublicAPI)
    app.connect("missing-reference", resolve_in_code)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
