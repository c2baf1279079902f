"""``editron feedback``, ``projects`` and ``memory``: the client's review of a cut, their
projects, and what Editron has learned from them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from editron.cli.output import emit, guarded, short_ids, table
from editron.config import get_settings
from editron.errors import InputError
from editron.services.feedback import DECISIONS, FeedbackResult, record_editron_feedback
from editron.services.ids import resolve_id
from editron.services.memory import MemoryPublic, reset_memory, show_memory
from editron.services.projects import (
    BRAND_KEYS,
    ProjectPublic,
    create_project,
    get_project,
    list_projects,
    update_project,
)

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
BrandOpt = Annotated[list[str] | None, typer.Option(
    "--brand", help=f"KEY=VALUE for the brand pod, repeat for several: {', '.join(BRAND_KEYS)}"
                    " (KEY= removes one).")]
console = Console()


def _comment(text: str) -> tuple[str, str]:
    """``00:12.4="too dark"`` (the shell has removed the quotes) as (time, text)."""
    at, sep, note = text.partition("=")
    if not sep or not at.strip() or not note.strip():
        raise InputError(f"--comment {text!r}: write TIME=TEXT, e.g. --comment 00:12.4=\"too "
                         "dark\"")
    return at.strip(), note.strip().strip('"').strip("'")


def _brand(items: list[str] | None) -> dict[str, Any] | None:
    if not items:
        return None
    pod: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--brand {item!r}: write KEY=VALUE, e.g. "
                             "--brand primary_color=#0A2540")
        pod[key.strip()] = value.strip() or None
    for key in ("logo_path", "font_path"):
        if pod.get(key):
            path = Path(pod[key]).expanduser()
            if not path.is_file():
                raise InputError(f"--brand {key}: {path} is not a file", path=str(path))
            pod[key] = str(path.resolve())
    return pod


def _render_feedback(result: FeedbackResult) -> None:
    if result.revision is None:
        console.print(f"{result.decision}: session is now {result.session_status}")
    else:
        rev = result.revision
        console.print(f"{result.decision}: revision {rev.revision} is {rev.session_id} "
                      f"({rev.status}); the reviewed cut is {result.session_status}")
    for line in result.understood:
        console.print(f"understood: {line}")
    for line in result.not_understood:
        console.print(f"[yellow]kept as a note, not understood: {line}[/]")


def _render_project(p: ProjectPublic) -> None:
    table(f"project {p.id}", ("field", "value"),
          [("name", p.name), ("client", p.client_name or "-"),
           ("auto-approve", "yes" if p.auto_approve else "no"),
           *((f"brand {k}", str(v)) for k, v in sorted(p.brand.items())),
           ("created", p.created_at[:19])])


def _render_memory(m: MemoryPublic) -> None:
    metrics = m.metrics
    rate = "-" if metrics.acceptance_rate is None else f"{metrics.acceptance_rate:.0%}"
    wait = "-" if metrics.seconds_to_approval is None else \
        f"{metrics.seconds_to_approval / 60:.1f} min"
    console.print(f"project {m.project_id}: {m.reviews} review(s) remembered"
                  + (f" since {m.reset_at[:19]}" if m.reset_at else "")
                  + f"; acceptance {rate}, time to approval {wait}")
    for kind, count in metrics.revisions_per_deliverable.items():
        console.print(f"  {kind}: {count:g} revision(s)")
    rows = [(kind, p["key"], str(p["value"]), p["because"])
            for kind, prefs in m.preferences.items() for p in prefs]
    table("what the next edits will apply", ("deliverable", "preference", "value", "because"),
          rows)


def register(app: typer.Typer) -> None:
    _register_feedback(app)
    projects = typer.Typer(help="Client projects: batches, brand pod, review settings.",
                           no_args_is_help=True)
    app.add_typer(projects, name="projects")
    _register_projects_create(projects)
    _register_projects_list(projects)
    _register_projects_show(projects)
    _register_projects_update(projects)
    memory = typer.Typer(help="What Editron learned from a project's reviews.",
                         no_args_is_help=True)
    app.add_typer(memory, name="memory")
    _register_memory_show(memory)
    _register_memory_reset(memory)


def _register_feedback(app: typer.Typer) -> None:
    @app.command()
    def feedback(
        session_id: Annotated[str, typer.Argument(help="The edit session reviewed.")],
        decision: Annotated[str, typer.Option(help=f"{', '.join(DECISIONS)}: approve lets it "
                                              "be rendered; changes and reject make a new "
                                              "revision with the review applied.")],
        note: Annotated[str | None, typer.Option(
            help='Free text, read for requests ("too slow, no music, drop the speech at '
                 '0:12"); what is not understood is kept as a note.')] = None,
        adjust: Annotated[list[str] | None, typer.Option(
            help="KEY=VALUE, repeat: pace=faster|slower|faster:2|1.3, duration=45, "
                 "ratios=16:9,9:16, captions=on|off, caption_style=standard|karaoke, "
                 "style=PRESET, music=on|off, transitions=cut|crossfade|dip_to_black.")
        ] = None,
        drop: Annotated[list[str] | None, typer.Option(
            help="A moment never to show again: a hero moment id or FILE_ID@START-END.")
        ] = None,
        keep: Annotated[list[str] | None, typer.Option(
            help="A moment to always include: a hero moment id or FILE_ID@START-END.")
        ] = None,
        comment: Annotated[list[str] | None, typer.Option(
            help='TIME=TEXT at a time of the cut, e.g. 00:12.4="too dark".')] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Record a client's review of an edit session, and act on it.

        Without a queue the revision is assembled before this returns."""
        settings = get_settings()
        with guarded(as_json=as_json):
            sid = resolve_id(session_id, "edit session", settings=settings)
            with console.status("recording the review…"):
                result = record_editron_feedback(
                    edit_session_id=sid, decision=decision, notes=note, adjust=adjust or (),
                    drop=drop or (), keep=keep or (),
                    comments=[_comment(c) for c in comment or ()], settings=settings)
        emit(result, as_json=as_json, render=lambda: _render_feedback(result))


def _register_projects_create(projects: typer.Typer) -> None:
    @projects.command("create")
    def create(
        name: str,
        client: Annotated[str | None, typer.Option(help="The client's name.")] = None,
        auto_approve: Annotated[bool, typer.Option(
            "--auto-approve", help="Render this project's edits without a review.")] = False,
        brand: BrandOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Create a project; prints its id."""
        with guarded(as_json=as_json):
            made = create_project(name=name, client_name=client, brand=_brand(brand),
                                  auto_approve=auto_approve)
        emit(made, as_json=as_json, render=lambda: _render_project(made))


def _register_projects_list(projects: typer.Typer) -> None:
    @projects.command("list")
    def list_(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
              as_json: JsonOpt = False) -> None:
        """Projects, newest first."""
        with guarded(as_json=as_json):
            rows = list_projects(limit=limit)
            short = short_ids("project", [p.id for p in rows])
        emit({"projects": rows}, as_json=as_json, render=lambda: table(
            "projects", ("project", "name", "client", "auto-approve", "created"),
            [(short[p.id], p.name, p.client_name or "-", "yes" if p.auto_approve else "no",
              p.created_at[:19]) for p in rows]))


def _register_projects_show(projects: typer.Typer) -> None:
    @projects.command("show")
    def show(project_id: str, as_json: JsonOpt = False) -> None:
        """One project: its client, brand pod and review setting."""
        with guarded(as_json=as_json):
            found = get_project(resolve_id(project_id, "project"))
        emit(found, as_json=as_json, render=lambda: _render_project(found))


def _register_projects_update(projects: typer.Typer) -> None:
    @projects.command("update")
    def update(
        project_id: str,
        name: Annotated[str | None, typer.Option()] = None,
        client: Annotated[str | None, typer.Option()] = None,
        auto_approve: Annotated[bool | None, typer.Option(
            "--auto-approve/--review", help="Render without a review, or require one.")
        ] = None,
        brand: BrandOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Change a project's name, client, brand pod keys or review setting."""
        with guarded(as_json=as_json):
            changed = update_project(resolve_id(project_id, "project"), name=name,
                                     client_name=client, brand=_brand(brand),
                                     auto_approve=auto_approve)
        emit(changed, as_json=as_json, render=lambda: _render_project(changed))


def _register_memory_show(memory: typer.Typer) -> None:
    @memory.command("show")
    def memory_show(project_id: str, as_json: JsonOpt = False) -> None:
        """The preferences the next edits will apply, with why, and the review metrics."""
        with guarded(as_json=as_json):
            found = show_memory(resolve_id(project_id, "project"))
        emit(found, as_json=as_json, render=lambda: _render_memory(found))


def _register_memory_reset(memory: typer.Typer) -> None:
    @memory.command("reset")
    def memory_reset(project_id: str, as_json: JsonOpt = False) -> None:
        """Start the project's memory afresh (the reviews stay recorded)."""
        with guarded(as_json=as_json):
            found = reset_memory(resolve_id(project_id, "project"))
        emit(found, as_json=as_json, render=lambda: _render_memory(found))
