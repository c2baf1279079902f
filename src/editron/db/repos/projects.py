"""Projects: a client's container for batches, brand kit and learned preferences."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.models import Project
from editron.db.orm import utcnow
from editron.db.repos.base import get_or_raise, page_bounds
from editron.db.repos.events import append_event

__all__ = ["create_project", "get_project", "list_projects", "update_project"]


def create_project(session: Session, *, name: str, client_name: str | None = None,
                   brand: dict[str, Any] | None = None,
                   preferences: dict[str, Any] | None = None,
                   auto_approve: bool = False) -> Project:
    project = Project(name=name, client_name=client_name, brand=brand or {},
                      preferences=preferences or {}, auto_approve=auto_approve)
    session.add(project)
    session.flush()
    append_event(session, entity_type="project", entity_id=project.id,
                 event_type="project.created", payload={"name": name}, project_id=project.id)
    return project


def get_project(session: Session, project_id: str) -> Project:
    return get_or_raise(session, Project, "project", project_id)


def list_projects(session: Session, *, limit: int = 100, offset: int = 0) -> list[Project]:
    limit, offset = page_bounds(limit, offset)
    query = select(Project).order_by(Project.created_at.desc(), Project.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def update_project(session: Session, project: Project, *, name: str | None = None,
                   client_name: str | None = None, brand: dict[str, Any] | None = None,
                   preferences: dict[str, Any] | None = None,
                   auto_approve: bool | None = None) -> Project:
    """Replace the given fields; JSON fields are replaced whole (assign a new dict so the
    change is detected)."""
    if name is not None:
        project.name = name
    if client_name is not None:
        project.client_name = client_name
    if brand is not None:
        project.brand = dict(brand)
    if preferences is not None:
        project.preferences = dict(preferences)
    if auto_approve is not None:
        project.auto_approve = auto_approve
    project.updated_at = utcnow()
    session.flush()
    append_event(session, entity_type="project", entity_id=project.id,
                 event_type="project.updated", payload={"name": project.name},
                 project_id=project.id)
    return project
