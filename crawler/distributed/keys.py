"""Redis key names of one cluster, the connection, and the crawl-run id.

Every key starts with a prefix (``NEWSCRAWL_REDIS_PREFIX``, default
``newscrawl``), so several clusters can share one Redis database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

DEFAULT_PREFIX = "newscrawl"


def connect(url: str) -> redis.Redis:
    """A client for ``redis://HOST:PORT/DB``; values come back as bytes."""
    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)


@dataclass(frozen=True)
class ClusterKeys:
    prefix: str = DEFAULT_PREFIX

    @property
    def requests(self) -> str:
        """Sorted set: the frontier (scrapy-redis PriorityQueue layout)."""
        return f"{self.prefix}:requests"

    @property
    def leases(self) -> str:
        """Sorted set: requests taken by a worker, scored by lease deadline."""
        return f"{self.prefix}:leases"

    @property
    def lease_scores(self) -> str:
        """Hash: leased request -> its frontier score, to put it back unchanged."""
        return f"{self.prefix}:lease-scores"

    @property
    def run(self) -> str:
        """String: the current crawl run id (dupefilter and budgets are per run)."""
        return f"{self.prefix}:run"

    @property
    def runs(self) -> str:
        return f"{self.prefix}:runs"

    def dupefilter(self, run: str) -> str:
        return f"{self.prefix}:dupefilter:{run}"

    def budget(self, run: str) -> str:
        """Hash: site name -> pages requested in this run (``max_pages``)."""
        return f"{self.prefix}:budget:{run}"

    @property
    def sites(self) -> str:
        """Hash: site name -> JSON rules (``spider.site_to_json``)."""
        return f"{self.prefix}:sites"

    @property
    def items(self) -> str:
        """List: encoded items waiting for the writer (LPUSH in, taken from the right)."""
        return f"{self.prefix}:items"

    @property
    def processing(self) -> str:
        """List: items the writer has taken but not yet committed."""
        return f"{self.prefix}:items:processing"

    @property
    def dead(self) -> str:
        """List: items the writer could not decode, kept for inspection."""
        return f"{self.prefix}:items:dead"

    @property
    def known(self) -> str:
        """Hash: canonical key of a stored article URL -> its re-check state (JSON)."""
        return f"{self.prefix}:known"

    @property
    def writer_lock(self) -> str:
        return f"{self.prefix}:writer"


def frontier_size(server: redis.Redis, keys: ClusterKeys) -> tuple[int, int]:
    """(requests waiting, requests leased by workers)."""
    pipe = server.pipeline(transaction=False)
    pipe.zcard(keys.requests)
    pipe.zcard(keys.leases)
    waiting, leased = pipe.execute()
    return int(waiting), int(leased)


def current_run(server: redis.Redis, keys: ClusterKeys, *, new_if_idle: bool = False) -> str:
    """The run id requests are deduplicated under.

    With ``new_if_idle`` (``enqueue``), a new run starts when the frontier is
    empty: a scheduled re-crawl fetches listing pages again instead of finding
    them in the last run's duplicate filter."""
    run: Any = server.get(keys.run)
    if run is None or (new_if_idle and frontier_size(server, keys) == (0, 0)):
        new = str(server.incr(keys.runs))
        # Two enqueues racing on an idle frontier may each start a run; the last
        # one wins, which at worst fetches a page twice.
        server.set(keys.run, new)
        return new
    return run.decode() if isinstance(run, bytes) else str(run)
