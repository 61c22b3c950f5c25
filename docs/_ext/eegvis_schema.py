"""The configuration reference, rendered from the workflow's JSON schema at build time.

``.. config-schema::`` renders ``eegvis_config_schema`` (a YAML JSON Schema):
one section per top-level key and, in it, every key of that section, nested ones
included (``dataset.artifacts.saccade_uv``; list items as ``bands[].low``), with
its type, allowed values and bounds, default, whether it is required, and its
description. The page is rebuilt whenever the schema changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

Schema = dict[str, Any]

#: Numeric bounds, as ``(keyword, symbol)``.
_NUMBER_BOUNDS = (
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
)
_TYPES = {
    "object": "mapping",
    "array": "list",
    "number": "number",
    "integer": "integer",
}
_MARKUP = re.compile(r"([\\`*_|<>\[\]])")


@dataclass(frozen=True)
class Key:
    """One documented key: its dotted path, schema and whether its parent requires it."""

    path: str
    schema: Schema
    required: str


def escape(text: str) -> str:
    """Return ``text`` with reST inline markup characters escaped."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split()))


def literal(value: object) -> str:
    """Return a value as an inline literal, spelt as in a YAML config file."""
    text = yaml.safe_dump(
        value, default_flow_style=True, width=1000, allow_unicode=True, sort_keys=False
    )
    return f"``{text.removesuffix(chr(10)).removesuffix(chr(10) + '...')}``"


def resolve(schema: Schema, root: Schema) -> Schema:
    """Return ``schema`` with a local ``$ref`` (``#/$defs/name``) replaced by its target."""
    while "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _count(n: int, noun: str) -> str:
    """Return e.g. "at least 2 items"; "not empty" for at least one."""
    return "not empty" if n == 1 else f"at least {n} {noun}"


def _bounds(schema: Schema) -> str:
    """Return the numeric bounds: " in [0, 1)" for two, " ≥ 0" for one, "" for none."""
    lower = [(word, sign) for word, sign in _NUMBER_BOUNDS[:2] if word in schema]
    upper = [(word, sign) for word, sign in _NUMBER_BOUNDS[2:] if word in schema]
    if lower and upper:
        (low, _), (high, _) = lower[0], upper[0]
        left = "[" if low == "minimum" else "("
        right = "]" if high == "maximum" else ")"
        return f" in {left}{schema[low]}, {schema[high]}{right}"
    return "".join(f" {sign} {schema[word]}" for word, sign in lower + upper)


def _grouped(text: str) -> str:
    """Return ``text`` in parentheses if it lists several properties."""
    return f"({text})" if "," in text or " or " in text else text


def type_text(schema: Schema, root: Schema) -> str:
    """Describe the values a schema accepts: type, allowed values, bounds."""
    schema = resolve(schema, root)
    alternatives = schema.get("oneOf", schema.get("anyOf"))
    if alternatives:
        return " or ".join(_grouped(type_text(s, root)) for s in alternatives)
    if "const" in schema:
        return literal(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(literal(v) for v in schema["enum"])
    kind = schema.get("type", "any value")
    if isinstance(kind, list):
        return " or ".join(type_text({**schema, "type": k}, root) for k in kind)
    text = _TYPES.get(kind, kind)
    text += _bounds(schema)
    facts = []
    if kind == "string" and schema.get("minLength"):
        facts.append(_count(schema["minLength"], "characters"))
    if "pattern" in schema:
        facts.append(f"matching ``{schema['pattern']}``")
    if kind == "array":
        items = resolve(schema.get("items", {}), root)
        if items:
            item_text = "mappings" if "properties" in items else _grouped(type_text(items, root))
            text = f"list of {item_text}"
        if schema.get("minItems") and schema.get("minItems") == schema.get("maxItems"):
            facts.append(f"exactly {schema['minItems']} items")
        else:
            if schema.get("minItems"):
                facts.append(_count(schema["minItems"], "items"))
            if "maxItems" in schema:
                facts.append(f"at most {schema['maxItems']} items")
        if schema.get("uniqueItems"):
            facts.append("no repeats")
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        text = f"mapping of names to {_grouped(type_text(schema['additionalProperties'], root))}"
    if kind == "object" and schema.get("minProperties"):
        facts.append(_count(schema["minProperties"], "entries"))
    return ", ".join([text, *facts])


def _condition(schema: Schema, prefix: str = "") -> str:
    """Describe an ``if`` schema of nested ``properties`` ending in an ``enum`` or ``const``."""
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if "enum" in sub:
            return f"``{path}`` is " + " or ".join(literal(v) for v in sub["enum"])
        if "const" in sub:
            return f"``{path}`` is {literal(sub['const'])}"
        return _condition(sub, path + ".")
    return "the condition of the schema holds"


def conditional_requirements(schema: Schema) -> dict[str, str]:
    """Return key -> condition for the keys an ``if``/``then`` makes required."""
    if "if" not in schema:
        return {}
    return {key: _condition(schema["if"]) for key in schema.get("then", {}).get("required", [])}


def keys(schema: Schema, root: Schema, prefix: str = "") -> Iterator[Key]:
    """Yield every key under ``schema`` (depth first, in the schema's order)."""
    schema = resolve(schema, root)
    required = set(schema.get("required", []))
    conditional = conditional_requirements(schema)
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        need = "always" if name in required else conditional.get(name, "")
        yield Key(path, sub, need)
        yield from nested(sub, root, path)


def nested(schema: Schema, root: Schema, path: str) -> Iterator[Key]:
    """Yield the keys inside one key's value: its properties, or those of its list items."""
    schema = resolve(schema, root)
    alternatives = schema.get("oneOf", [schema])
    for alternative in alternatives:
        alternative = resolve(alternative, root)
        if "properties" in alternative:
            yield from keys(alternative, root, path + ".")
        items = resolve(alternative.get("items", {}), root)
        if "properties" in items:
            yield from keys(items, root, path + "[].")


def _forbidden(schema: Schema) -> str:
    """Describe a ``not: {anyOf: [{required: [...]}]}`` constraint on a mapping's values."""
    names = [
        name
        for alternative in schema.get("not", {}).get("anyOf", [])
        for name in alternative.get("required", [])
    ]
    return " or ".join(f"``{name}``" for name in names)


def body(key: Key, root: Schema) -> list[str]:
    """Return the paragraphs describing one key: type, description, requirement, default."""
    schema = resolve(key.schema, root)
    lines = [f"Type: {type_text(schema, root)}.", ""]
    if "description" in schema:
        lines += [escape(schema["description"]), ""]
    facts = []
    if key.required == "always":
        facts.append("**Required.**")
    elif key.required:
        facts.append(f"**Required** when {key.required}.")
    if "default" in schema:
        facts.append(f"Default: {literal(schema['default'])}.")
    values = schema.get("additionalProperties")
    if isinstance(values, dict) and _forbidden(values):
        facts.append(f"A value must not set {_forbidden(values)}.")
    if facts:
        lines += [" ".join(facts), ""]
    return lines


def render(schema: Schema) -> list[str]:
    """Return the reST of the whole reference: a section per top-level key.

    A section describes its key, then lists the keys inside it (a definition
    list, dotted paths as terms).
    """
    lines = []
    required = set(schema.get("required", []))
    conditional = conditional_requirements(schema)
    for name, sub in schema["properties"].items():
        lines += [f"``{name}``", "-" * (len(name) + 4), ""]
        need = "always" if name in required else conditional.get(name, "")
        lines += body(Key(name, sub, need), schema)
        for key in nested(sub, schema, name):
            lines += [f"``{key.path}``"] + [
                f"   {line}" if line else "" for line in body(key, schema)
            ]
    return lines


class ConfigSchema(SphinxDirective):
    """``.. config-schema::``: the reference of every key of ``eegvis_config_schema``."""

    def run(self) -> list[nodes.Node]:
        """Parse the rendered reference into sections."""
        path = Path(self.config.eegvis_config_schema)
        self.env.note_dependency(str(path))
        schema = yaml.safe_load(path.read_text())
        container = nodes.container()
        content = StringList(render(schema), source=str(path))
        nested_parse_with_titles(self.state, content, container)
        return container.children


def setup(app: Sphinx) -> dict[str, object]:
    """Register the setting and the directive."""
    app.add_config_value("eegvis_config_schema", "", "env", types=[str])
    app.add_directive("config-schema", ConfigSchema)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
