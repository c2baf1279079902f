"""An Editron deployment over network namespaces (issue 23.4): an API host running a private
PostgreSQL, a private Redis (nothing on disk) and ``editron serve --workers 0``; an object
store host running moto's S3 server; and worker hosts, each with its own ``EDITRON_HOME`` and
``TMPDIR`` (its cache, scratch and render slots) running ``editron worker --queues
ingest,analysis,render``.

Media are shared the way a deployment shares them: ``media_url`` None is the shared path (a
NAS: ``MEDIA_STORAGE_PATH`` names one folder on every host); ``media_url`` set
(``s3://bucket/prefix``) gives the workers ``EDITRON_MEDIA_URL`` and the S3 settings and no
shared folder. Renders are delivered to the object store (``s3://deliveries/<session>``),
never to a disk another host reads.

Lease timings are the defaults (15 s stale, 5 s sweep): recovery is measured as shipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
from cryptography.fernet import Fernet

import editron
from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.db.session import dispose_engines
from editron.domain.access import ALL_SCOPES
from tests.multihost.netns import Network, Proc

__all__ = ["Cluster", "ClusterSpec", "wait_until"]

SRC = Path(editron.__file__).resolve().parents[1]
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
S3_KEYS = {"AWS_ACCESS_KEY_ID": "editron-mh", "AWS_SECRET_ACCESS_KEY": "editron-mh-secret",
           "AWS_DEFAULT_REGION": "us-east-1"}
DELIVERIES = "deliveries"
QUEUES = "ingest,analysis,render"


def wait_until(predicate: Callable[[], Any], timeout: float, what: str,
               every: float = 0.25) -> Any:
    """Poll until ``predicate`` returns something truthy (returned); AssertionError after
    ``timeout`` s. Exceptions while polling count as not yet (a server restarting)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            found = predicate()
        except Exception as exc:  # the thing polled is down for a moment
            last, found = exc, None
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s (last error: {last!r})")


def _port_open(ip: str, port: int) -> bool:
    try:
        with socket.create_connection((ip, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class ClusterSpec:
    media_url: str | None = None  # None: the shared path (NAS)
    workers: int = 2
    worker_env: tuple[tuple[str, str], ...] = ()  # extra settings every worker gets
    # A tmpfs of this many MiB over each worker's cache folder (its media cache and loudness
    # plans), so a worker's cache can fill for real; 0: the cache is on the root's disk.
    worker_cache_mb: int = 0


class Cluster:
    """Start with :meth:`start`, always :meth:`close` (fixtures do)."""

    def __init__(self, spec: ClusterSpec, root: Path) -> None:
        self.spec, self.root = spec, root
        (root / "logs").mkdir(parents=True, exist_ok=True)
        self.net = Network(root / "logs")
        # PostgreSQL runs as its own user, which cannot enter pytest's 0700 folders.
        self.pg_root = Path(tempfile.mkdtemp(prefix="editron-mh-pg-"))
        try:
            self.api = self.net.add("api")
            self.s3 = self.net.add("s3")
            self.worker_hosts = [self.net.add(f"w{n + 1}") for n in range(spec.workers)]
        except BaseException:
            self.close()
            raise
        self.shared = root / "nas"  # the shared-path media store
        self.secret = Fernet.generate_key().decode()
        self.db_url = f"postgresql://postgres@{self.api.ip}:5432/editron"
        self.queue_url = f"redis://{self.api.ip}:6379/0"
        self.s3_url = f"http://{self.s3.ip}:5000"
        self.api_url = f"http://{self.api.ip}:8000"
        self.procs: dict[str, Proc] = {}
        self.token = ""
        self._s3: Any = None
        self.settings = Settings(home=root / "observer", database_url=self.db_url,
                                 queue_url=self.queue_url, queue_name="mh",
                                 media_storage_path=self.shared, secret_key=self.secret,
                                 s3_endpoint_url=self.s3_url)

    # ---- lifecycle ----

    def start(self) -> Cluster:
        self._init_postgres()
        self.start_postgres()
        self.procs["redis"] = self.api.popen("redis", [
            "redis-server", "--bind", "0.0.0.0", "--port", "6379", "--save", "",
            "--appendonly", "no", "--protected-mode", "no", "--dir", str(self.root)],
            env=self._env())
        self.start_s3()
        wait_until(lambda: _port_open(self.api.ip, 6379), 20, "redis listens")
        for name in self.bucket_names():
            self.s3_client().create_bucket(Bucket=name)
        ready(self.settings)  # migrates the new database
        with db(self.settings) as session:
            _, self.token = repos.tokens.create_token(session, name="mh", scopes=ALL_SCOPES)
        dispose_engines()
        self.procs["api"] = self.api.popen("serve", [
            sys.executable, "-m", "editron", "serve", "--host", "0.0.0.0", "--port", "8000",
            "--workers", "0"], env=self._env(self.root / "api-home"))
        for n in range(len(self.worker_hosts)):
            self._mount_cache(n)
            self.start_worker(n)
        wait_until(self._api_answers, 60, "the API answers")
        wait_until(lambda: len(self.live_workers()) == len(self.worker_hosts), 90,
                   "every worker registered")
        return self

    def close(self) -> None:
        try:
            self.net.close()
        finally:
            for n in range(len(self.worker_hosts)):
                if os.path.ismount(self.worker_cache(n)):
                    subprocess.run(["umount", "-l", str(self.worker_cache(n))], check=False)
            dispose_engines()
            shutil.rmtree(self.pg_root, ignore_errors=True)
            if self._s3 is not None:
                self._s3.close()

    def logs(self) -> str:
        return "\n\n".join(f"==== {name} ====\n{proc.tail(80)}"
                           for name, proc in self.procs.items())

    # ---- services ----

    def _init_postgres(self) -> None:
        if not PG_BIN:
            raise RuntimeError("no PostgreSQL server under /usr/lib/postgresql/*/bin")
        os.chmod(self.pg_root, 0o755)
        shutil.chown(self.pg_root, "postgres", "postgres")
        data = self.pg_root / "data"
        initdb = PG_BIN[-1].with_name("initdb")
        self.api.run([str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust",
                      "--no-sync", "-E", "UTF8"], user="postgres", timeout=120)
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 0.0.0.0/0 trust\n")

    def start_postgres(self) -> None:
        data = self.pg_root / "data"
        self.procs["postgres"] = self.api.popen("postgres", [
            str(PG_BIN[-1]), "-D", str(data), "-k", str(self.pg_root), "-c",
            "listen_addresses=*", "-c", "port=5432", "-c", "fsync=off", "-c",
            "max_connections=200"], env=self._env(), user="postgres")
        wait_until(lambda: _port_open(self.api.ip, 5432), 60, "PostgreSQL listens")
        if not (self.pg_root / "created").exists():
            import psycopg

            with psycopg.connect(f"host={self.api.ip} user=postgres dbname=postgres",
                                 autocommit=True) as conn:
                conn.execute("CREATE DATABASE editron")
            (self.pg_root / "created").touch()

    def stop_postgres(self) -> None:
        proc = self.procs["postgres"]
        proc.kill(signal.SIGINT)  # fast shutdown: open sessions are cut, as in a restart
        proc.popen.wait(timeout=60)

    def start_s3(self) -> None:
        self.procs["s3"] = self.s3.popen("moto", [
            sys.executable, "-m", "moto.server", "-H", "0.0.0.0", "-p", "5000"],
            env=self._env())
        wait_until(lambda: _port_open(self.s3.ip, 5000), 60, "the S3 server listens")

    def stop_s3(self) -> None:
        proc = self.procs["s3"]
        proc.kill(signal.SIGKILL)
        proc.popen.wait(timeout=30)

    def bucket_names(self) -> list[str]:
        """The deliveries bucket, and the media bucket in the object-store mode."""
        url = self.spec.media_url
        return [DELIVERIES, *([url.removeprefix("s3://").split("/", 1)[0]] if url else [])]

    # ---- workers ----

    def worker_home(self, n: int) -> Path:
        return self.root / f"{self.worker_hosts[n].name}-home"

    def worker_cache(self, n: int) -> Path:
        """The worker's cache folder (``<home>/cache``; its media cache is ``media/``)."""
        return self.worker_home(n) / "cache"

    def _mount_cache(self, n: int) -> None:
        if not self.spec.worker_cache_mb:
            return
        folder = self.worker_cache(n)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.spec.worker_cache_mb}m",
                        "tmpfs", str(folder)], check=True)

    def start_worker(self, n: int, *, extra: dict[str, str] | None = None) -> Proc:
        host = self.worker_hosts[n]
        env = self._env(self.worker_home(n), worker=True)
        env.update(extra or {})
        proc = self.procs[host.name] = host.popen("worker", [
            sys.executable, "-m", "editron", "worker", "--queues", QUEUES], env=env)
        return proc

    def kill_worker(self, n: int) -> None:
        """SIGKILL the worker host's processes (its ffmpeg dies with it)."""
        proc = self.procs[self.worker_hosts[n].name]
        proc.kill(signal.SIGKILL)
        proc.popen.wait(timeout=30)

    def live_workers(self) -> list[dict[str, Any]]:
        with self.http() as http:
            items = http.get("/api/workers").json()["items"]
        return [w for w in items if w["alive"]]

    def _api_answers(self) -> bool:
        with self.http() as http:
            return http.get("/api/health").status_code == 200

    def _env(self, home: Path | None = None, *, worker: bool = False) -> dict[str, str]:
        env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "CI") if k in os.environ}
        home = home or self.root / "service-home"
        tmp = home / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        env.update({
            "PYTHONPATH": str(SRC), "HOME": str(home), "TMPDIR": str(tmp),
            "EDITRON_HOME": str(home), "EDITRON_DATABASE_URL": self.db_url,
            "EDITRON_QUEUE_URL": self.queue_url, "EDITRON_QUEUE_NAME": "mh",
            "EDITRON_SECRET_KEY": self.secret, "EDITRON_IMPORT_ROOTS": str(self.root),
            "EDITRON_ALLOW_PRIVATE_URLS": "1", "EDITRON_S3_ENDPOINT_URL": self.s3_url,
            "EDITRON_WORKER_MIN_FREE_BYTES": str(64 * 1024 * 1024),
            "EDITRON_RENDER_SLOTS_PER_HOST": "1", "EDITRON_LOG_FORMAT": "text",
            "EDITRON_DOWNLOAD_BACKOFF_BASE_SECONDS": "0.2", **S3_KEYS})
        if self.spec.media_url:
            env["EDITRON_MEDIA_URL"] = self.spec.media_url
        else:
            env["MEDIA_STORAGE_PATH"] = str(self.shared)
        if worker:
            env.update(dict(self.spec.worker_env))
        return env

    # ---- clients ----

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, timeout=30,
                            headers={"Authorization": f"Bearer {self.token}"})

    def s3_client(self) -> Any:
        if self._s3 is None:
            self._s3 = boto3.client(
                "s3", endpoint_url=self.s3_url, region_name="us-east-1",
                aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"])
        return self._s3

    def delivered_keys(self) -> list[str]:
        pages = self.s3_client().get_paginator("list_objects_v2").paginate(Bucket=DELIVERIES)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def media_path(self, stored: str) -> Path:
        """A stored media path as a local file, for the consistency check: on the shared
        path the file itself; in the object store a copy fetched into ``<root>/fetched``
        (a path that does not exist when the object does not)."""
        if not self.spec.media_url:
            path = Path(stored)
            return path if path.is_absolute() else self.shared / stored
        bucket, _, prefix = self.spec.media_url.removeprefix("s3://").partition("/")
        key = f"{prefix.strip('/')}/{stored.lstrip('/')}".lstrip("/")
        local = self.root / "fetched" / key
        if not local.exists():
            local.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.s3_client().download_file(bucket, key, str(local))
            except Exception:
                local.unlink(missing_ok=True)
        if not local.exists() and self._is_folder(bucket, key):
            local.mkdir(parents=True)  # a folder key (analysis artefacts): objects under it
        return local

    def _is_folder(self, bucket: str, key: str) -> bool:
        found = self.s3_client().list_objects_v2(Bucket=bucket, Prefix=f"{key}/", MaxKeys=1)
        return bool(found.get("KeyCount", 0))

    @contextmanager
    def stores_down(self) -> Iterator[None]:
        """The media store and the object store unreachable while the body runs: the object
        store's host is cut off the network (it keeps its objects), and on the shared path an
        empty file system is mounted over the share, as a NAS mount that went away leaves an
        empty mount point."""
        self.s3.unplug()
        if not self.spec.media_url:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs",
                            str(self.shared)], check=True)
        try:
            yield
        finally:
            if not self.spec.media_url:
                subprocess.run(["umount", str(self.shared)], check=True)
            self.s3.plug()

    def visible_stores(self) -> list[Path]:
        """Where another host could see a half-written file: the shared media folder and
        the API host's home (the workers' homes are their own scratch)."""
        return [self.shared, self.root / "api-home"]

    def cached_copies_not_whole(self) -> list[str]:
        """Over S3, what a worker's media cache holds that a reader could take for a whole
        copy but is not (a file whose size is not its object's), and downloads left half-done
        in its temporary folder; nothing over the shared path (no cache)."""
        if not self.spec.media_url:
            return []
        bucket, _, prefix = self.spec.media_url.removeprefix("s3://").partition("/")
        found: list[str] = []
        for n in range(len(self.worker_hosts)):
            root = self.worker_cache(n) / "media"
            files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
            for path in files:
                relative = path.relative_to(root)
                if relative.parts[0] == ".tmp":
                    found.append(f"{path}: a download left half-done")
                    continue
                key = f"{prefix.strip('/')}/{relative.as_posix()}".lstrip("/")
                try:
                    size = int(self.s3_client().head_object(Bucket=bucket, Key=key)
                               ["ContentLength"])
                except Exception as exc:
                    found.append(f"{path}: cached, but its object {key} cannot be read: {exc}")
                    continue
                if size != path.stat().st_size:
                    found.append(f"{path}: {path.stat().st_size} bytes cached, the object "
                                 f"has {size}")
        return found

    def delivered(self, url: str) -> bool:
        bucket, _, key = url.removeprefix("s3://").partition("/")
        try:
            return int(self.s3_client().head_object(Bucket=bucket, Key=key)
                       ["ContentLength"]) > 0
        except Exception:
            return False


@contextmanager
def running_cluster(spec: ClusterSpec, root: Path) -> Iterator[Cluster]:
    """A started cluster, closed (everything killed and removed) whatever happens; its
    services' logs are printed when starting or the body fails."""
    cluster = Cluster(spec, root)
    try:
        cluster.start()
        yield cluster
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()
