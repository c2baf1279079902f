"""The job queue. Importing the package installs the runner that queue messages call
(``execution.execute_job``) into the Huey app, so any process that can enqueue can also run
a job inline (``immediate://``) or as a worker."""

from editron.jobs import app, execution

__all__ = ["app", "execution"]
