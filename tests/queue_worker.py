"""``python -m tests.queue_worker``: a real worker process with the test operations loaded."""

from __future__ import annotations

import tests.queue_ops  # noqa: F401  (registers the test operations)
from editron.config import get_settings
from editron.jobs.worker import run_worker

if __name__ == "__main__":
    run_worker(get_settings(), workers=1)
