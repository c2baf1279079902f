"""The names requests may use, read from the registries that own them, as pydantic types that
every front end shares: the API validates and documents them (an ``enum`` in OpenAPI), the MCP
server puts them in its tool schemas (and so the OpenAI ones), and the CLI offers the same
choices. A plugin that registers a deliverable, exporter, analyser or destination appears in
all of them; no list of names is written anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from editron.analysis.base import pass_analysers
from editron.domain.languages import DETECT, WHISPER_LANGUAGES
from editron.edit.exporters import export_formats, get_exporter
from editron.edit.timeline import ASPECT_RATIOS, parse_ratio
from editron.errors import InputError
from editron.render.destinations import DESTINATIONS
from editron.render.profiles import FORMATS, PROFILES
from editron.story.deliverables import deliverable_names, get_deliverable
from editron.story.styles import PRESETS, get_style

__all__ = [
    "AnalyserName",
    "DeliverableName",
    "DestinationText",
    "ExportFormatName",
    "ProfileName",
    "RatioName",
    "RenderFormatName",
    "SpokenLanguageName",
    "StyleName",
    "destination_help",
    "names_of",
]


class RegistryName:
    """``Annotated[str, RegistryName(...)]``: a string that must name a registered item (the
    registry's own lookup normalises it, so ``16x9`` becomes ``16:9``), published as an enum of
    the names registered when a schema is made."""

    def __init__(self, what: str, names: Callable[[], Sequence[str]],
                 resolve: Callable[[str], str]) -> None:
        self.what, self.names, self.resolve = what, names, resolve

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(str))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        out = handler(schema)
        out["enum"] = list(self.names())
        return out

    def check(self, value: str) -> str:
        try:
            return self.resolve(value)
        except InputError as exc:  # a ValueError, so pydantic reports where it was
            raise ValueError(exc.message) from None


class Described:
    """``Annotated[str, Described(fn)]``: the JSON schema's description is ``fn()`` when the
    schema is made (say, the registered destinations' schemes)."""

    def __init__(self, describe: Callable[[], str]) -> None:
        self.describe = describe

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        out = handler(schema)
        out["description"] = self.describe()
        return out


def _in(options: Callable[[], Sequence[str]], what: str) -> Callable[[str], str]:
    def resolve(value: str) -> str:
        key = value.strip().lower()
        if key not in options():
            raise InputError(f"unknown {what} {value!r}; use {', '.join(options())}")
        return key

    return resolve


def _analysers() -> list[str]:
    return [*pass_analysers(1), *pass_analysers(2)]


DeliverableName = Annotated[str, RegistryName(
    "deliverable", deliverable_names, lambda v: get_deliverable(v).name)]
ExportFormatName = Annotated[str, RegistryName(
    "export format", export_formats, lambda v: get_exporter(v).NAME)]
RatioName = Annotated[str, RegistryName("aspect ratio", lambda: list(ASPECT_RATIOS),
                                        parse_ratio)]
StyleName = Annotated[str, RegistryName("style", lambda: list(PRESETS),
                                        lambda v: get_style(v).name)]
RenderFormatName = Annotated[str, RegistryName("render format", lambda: list(FORMATS),
                                               _in(lambda: list(FORMATS), "render format"))]
ProfileName = Annotated[str, RegistryName("render profile", lambda: list(PROFILES),
                                          _in(lambda: list(PROFILES), "render profile"))]
AnalyserName = Annotated[str, RegistryName("analyser", _analysers,
                                           _in(_analysers, "analyser"))]


def _languages() -> list[str]:
    return [DETECT, *WHISPER_LANGUAGES]


SpokenLanguageName = Annotated[str, RegistryName("language", _languages,
                                                 _in(_languages, "language"))]


def destination_help() -> str:
    """How to write a destination, from the registered schemes (each destination says)."""
    return "; ".join(cls.HELP for cls in DESTINATIONS.values() if cls.HELP)


DestinationText = Annotated[str, StringConstraints(min_length=1, max_length=1024),
                            Described(lambda: "Where renders go: " + destination_help())]


def names_of(kind: str) -> list[str]:
    """The registered names of one kind (for help texts and CLI choices)."""
    table: dict[str, Callable[[], Sequence[str]]] = {
        "deliverable": deliverable_names, "export format": export_formats,
        "aspect ratio": lambda: list(ASPECT_RATIOS), "style": lambda: list(PRESETS),
        "render format": lambda: list(FORMATS), "render profile": lambda: list(PROFILES),
        "analyser": _analysers, "destination": lambda: list(DESTINATIONS),
        "language": _languages}
    return list(table[kind]())
