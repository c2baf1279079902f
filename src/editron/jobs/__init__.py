"""The job queue: Huey carries job ids, the ``job_runs`` table is the truth.

- ``app``: storages (SQLite, Redis, in-process twins), ``enqueue``, ``cancel_job``
- ``registry``: operations by name, with ``on_give_up`` hooks and transient errors
- ``runs``: the guarded updates on ``job_runs`` (claim, heartbeat, finish, release)
- ``execution``: what a worker does with one message
- ``recovery``: the sweep that re-queues jobs of dead workers and lost messages
- ``worker``: ``run_worker`` (``editron worker``) and ``start_embedded_worker``
"""
