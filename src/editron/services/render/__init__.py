"""Tier 4: ``render_video_deliverables`` — one render job per timeline (variant × aspect ratio)
and format, each rendered by one ffmpeg process from the originals, checked by QC, and
delivered; plus cancel, retry, and low-resolution review previews from the proxies.

A job renders into ``<home>/renders/<job id>/`` and only a file that passed QC is put into
the media store (``batches/<batch>/renders/<job>/``, the job's ``output_key``; ``store:`` is
the default destination) and handed to its destinations, which write under a temporary name
and rename; the work folder is removed whatever happens, so a crash or a cancel never leaves
a partial file where people look.

The stage's modules: ``request`` (asking for renders, cancel, retry), ``job`` (running one:
render, QC, deliver), ``inline`` (running one in-process under a lease), ``settle`` (the
session follows its renders), ``stored`` (the render in the media store and its download),
``previews`` (review renders from proxies), ``public`` (the
shapes callers see). This package's names are the stage's public operations.
"""

from editron.services.render.inline import run_render_job_inline
from editron.services.render.job import (
    TRANSIENT_RENDER_ERRORS,
    process_render_job,
    qc_spec_for,
)
from editron.services.render.previews import render_previews
from editron.services.render.public import (
    RenderJobPublic,
    RenderRequestPublic,
    get_render_job,
    list_session_renders,
)
from editron.services.render.request import (
    cancel_render_job,
    default_destination,
    render_video_deliverables,
    retry_render_job,
)
from editron.services.render.settle import give_up_render_job
from editron.services.render.stored import render_output

__all__ = [
    "TRANSIENT_RENDER_ERRORS",
    "RenderJobPublic",
    "RenderRequestPublic",
    "cancel_render_job",
    "default_destination",
    "get_render_job",
    "give_up_render_job",
    "list_session_renders",
    "process_render_job",
    "qc_spec_for",
    "render_output",
    "render_previews",
    "render_video_deliverables",
    "retry_render_job",
    "run_render_job_inline",
]
