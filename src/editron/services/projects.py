"""Projects: a client's home for batches, brand and learned preferences."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.errors import InputError

__all__ = ["ProjectPublic", "create_project", "get_project", "list_projects"]


class ProjectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    client_name: str | None
    brand: dict[str, Any]
    preferences: dict[str, Any]
    created_at: str


def create_project(*, name: str, client_name: str | None = None,
                   brand: dict[str, Any] | None = None,
                   settings: Settings | None = None) -> ProjectPublic:
    if not name.strip():
        raise InputError("a project needs a name")
    settings = ready(settings)
    with db(settings) as session:
        row = repos.projects.create_project(session, name=name.strip(), client_name=client_name,
                                            brand=brand)
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
