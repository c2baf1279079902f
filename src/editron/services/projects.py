"""Projects: a client's home for batches, brand pod, review settings and creative memory
(``services.memory``)."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from editron.config import Settings, get_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.timeline import BrandPod
from editron.errors import InputError
from editron.ingest.sources import confine
from editron.services.schemas import documented

__all__ = ["BRAND_KEYS", "ProjectPublic", "check_brand", "confine_brand_files",
           "create_project", "get_project", "list_projects", "update_project"]

BRAND_KEYS: tuple[str, ...] = tuple(f.name for f in fields(BrandPod))
LOGO_POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_FILE_KEYS = ("logo_path", "font_path")


class ProjectPublic(BaseModel):
    model_config = documented({
        "id": "4f1c9a2e-7b3d-4e8f-9a1b-2c3d4e5f6a7b", "name": "Aurora Summit 2026",
        "client_name": "Northwind", "brand": {"primary_color": "#0A2540",
                                              "title_card": "Aurora Summit"},
        "preferences": {"recap": {"pace": 1.25}}, "auto_approve": False,
        "created_at": "2026-05-01T09:00:00Z"}, from_attributes=True)

    id: str
    name: str
    client_name: str | None
    brand: dict[str, Any]
    preferences: dict[str, Any]
    auto_approve: bool
    created_at: str


def check_brand(brand: dict[str, Any]) -> dict[str, Any]:
    """The brand pod checked key by key (pure): known keys, ``#RRGGBB`` colours, a logo
    corner, an opacity in 0–1, card seconds in 0–10, text for the cards. ``None`` removes a
    key."""
    out: dict[str, Any] = {}
    for key, value in brand.items():
        if key not in BRAND_KEYS:
            raise InputError(f"brand key {key!r} is unknown; use {', '.join(BRAND_KEYS)}")
        if value is None:
            out[key] = None
        elif key.endswith("_color"):
            if not isinstance(value, str) or not _COLOUR.match(value):
                raise InputError(f"brand {key} {value!r}: write a colour as #RRGGBB")
            out[key] = value.upper()
        elif key == "logo_position":
            if value not in LOGO_POSITIONS:
                raise InputError(f"brand logo_position {value!r}: use "
                                 f"{', '.join(LOGO_POSITIONS)}")
            out[key] = value
        elif key in ("logo_opacity", "card_seconds"):
            number = _number(key, value)
            top = 1.0 if key == "logo_opacity" else 10.0
            if not 0.0 <= number <= top:
                raise InputError(f"brand {key} {value!r}: a number from 0 to {top:g}")
            out[key] = number
        else:
            if not isinstance(value, str) or len(value) > 500:
                raise InputError(f"brand {key}: text of at most 500 characters")
            out[key] = value
    return out


def _checked(brand: dict[str, Any] | None, settings: Settings, remote: bool) -> dict[str, Any]:
    pod = check_brand(brand or {})
    return confine_brand_files(pod, settings) if remote else pod


def _number(key: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"brand {key} {value!r}: a number") from None


def confine_brand_files(brand: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A network caller's brand pod with its logo and font paths resolved inside the import
    roots (``EDITRON_IMPORT_ROOTS``), else the one refusal ingest gives, which says nothing
    about the path; the CLI does not call this (its user's own rights)."""
    roots = settings.import_root_dirs
    return {k: str(confine(Path(v), roots)) if k in _FILE_KEYS and v is not None else v
            for k, v in brand.items()}


def create_project(*, name: str, client_name: str | None = None,
                   brand: dict[str, Any] | None = None, auto_approve: bool = False,
                   settings: Settings | None = None, remote: bool = False) -> ProjectPublic:
    """A new project. ``remote``: the caller came over the network, so brand files must lie
    inside an import root (``confine_brand_files``)."""
    if not name.strip():
        raise InputError("a project needs a name")
    settings = settings or get_settings()
    pod = {k: v for k, v in _checked(brand, settings, remote).items() if v is not None}
    settings = ready(settings)
    with db(settings) as session:
        row = repos.projects.create_project(session, name=name.strip(), client_name=client_name,
                                            brand=pod, auto_approve=auto_approve)
        return ProjectPublic.model_validate(row)


def update_project(project_id: str, *, name: str | None = None,
                   client_name: str | None = None, brand: dict[str, Any] | None = None,
                   auto_approve: bool | None = None, settings: Settings | None = None,
                   remote: bool = False) -> ProjectPublic:
    """Change what is given; ``brand`` keys are merged into the pod (``None`` removes one).
    ``remote`` as for ``create_project``."""
    if name is not None and not name.strip():
        raise InputError("a project needs a name")
    settings = settings or get_settings()
    changes = _checked(brand, settings, remote)
    settings = ready(settings)
    with db(settings) as session:
        row = repos.projects.get_project(session, project_id)
        pod = {k: v for k, v in {**(row.brand or {}), **changes}.items() if v is not None}
        repos.projects.update_project(session, row, name=name.strip() if name else None,
                                      client_name=client_name,
                                      brand=pod if brand is not None else None,
                                      auto_approve=auto_approve)
        return ProjectPublic.model_validate(row)


def get_project(project_id: str, *, settings: Settings | None = None) -> ProjectPublic:
    settings = ready(settings)
    with db(settings) as session:
        return ProjectPublic.model_validate(repos.projects.get_project(session, project_id))


def list_projects(*, limit: int = 50, offset: int = 0,
                  settings: Settings | None = None) -> list[ProjectPublic]:
    settings = ready(settings)
    with db(settings) as session:
        return [ProjectPublic.model_validate(p)
                for p in repos.projects.list_projects(session, limit=limit, offset=offset)]
