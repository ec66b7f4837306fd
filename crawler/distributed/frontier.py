"""The shared frontier: scrapy-redis scheduling, with leases and a run-scoped dupefilter.

Adapters over scrapy-redis 0.9 (its source is the reference), for two gaps:

- ``scrapy_redis.queue.PriorityQueue.pop`` removes a request for good: a worker
  killed while downloading it loses it. ``LeasedPriorityQueue.pop`` moves it,
  in one Lua script, to a lease sorted set scored by a deadline; the worker
  renews its leases while alive and releases each once everything the request
  produced is in Redis (``extension.FrontierExtension``). Expired leases go back
  to the frontier with their original score.
- ``scrapy_redis.dupefilter.RFPDupeFilter`` computes its own fingerprint
  (``w3lib.canonicalize_url``), not Scrapy's ``REQUEST_FINGERPRINTER_CLASS``, so
  URL variants that ``crawler.utils.request`` folds would be fetched twice.
  ``RunDupeFilter`` uses the crawler's fingerprinter and a key per crawl run,
  with a TTL, so its memory does not grow across scheduled runs.

``RedisScheduler`` wires both in; its ``enqueue_request`` also releases the
lease of a request that comes back as a redirect or retry (``request.replace``
copies ``meta``), once the new request is stored in the frontier.
"""

from __future__ import annotations

import logging
import time

import redis
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.compat import decode_request, encode_request
from crawler.distributed.config import cluster_keys, redis_client
from crawler.distributed.keys import ClusterKeys, current_run

logger = logging.getLogger(__name__)

LEASE_META = "_newscrawl_lease"  # the frontier member a request was leased as

# KEYS: frontier, leases, lease scores; ARGV: deadline.
_POP_LEASED = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('ZADD', KEYS[2], ARGV[1], r[1])
redis.call('HSET', KEYS[3], r[1], r[2])
return r[1]
"""

# KEYS: duplicate filter, frontier; ARGV: fingerprint, score, request. The fingerprint
# and the request go in together or not at all: a worker killed between the two
# (SADD, then ZADD) left a request marked seen that no queue held, lost for the run.
_ENQUEUE_UNSEEN = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: frontier, leases, lease scores; ARGV: now, limit.
_REQUEUE_EXPIRED = """
local ms = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(ms) do
  local s = redis.call('HGET', KEYS[3], m) or '0'
  redis.call('ZREM', KEYS[2], m)
  redis.call('HDEL', KEYS[3], m)
  redis.call('ZADD', KEYS[1], s, m)
end
return #ms
"""


class Leases:
    """Lease bookkeeping of one worker: what it holds, renewing, releasing."""

    def __init__(self, server: redis.Redis, keys: ClusterKeys, seconds: float) -> None:
        self.server = server
        self.keys = keys
        self.seconds = seconds
        self.held: set[bytes] = set()
        self._pop = server.register_script(_POP_LEASED)
        self._requeue = server.register_script(_REQUEUE_EXPIRED)

    def take(self) -> bytes | None:
        member = self._pop(
            keys=[self.keys.requests, self.keys.leases, self.keys.lease_scores],
            args=[time.time() + self.seconds],
        )
        if member:
            self.held.add(member)
        return member or None

    def release(self, member: bytes) -> None:
        self.held.discard(member)
        pipe = self.server.pipeline()
        pipe.zrem(self.keys.leases, member)
        pipe.hdel(self.keys.lease_scores, member)
        pipe.execute()

    def renew(self) -> None:
        if not self.held:
            return
        deadline = time.time() + self.seconds
        # XX: never resurrect a lease another worker has already requeued.
        self.server.zadd(self.keys.leases, dict.fromkeys(self.held, deadline), xx=True)

    def requeue_expired(self, limit: int = 1000) -> int:
        return int(self._requeue(
            keys=[self.keys.requests, self.keys.leases, self.keys.lease_scores],
            args=[time.time(), limit],
        ))

    def give_back(self) -> int:
        """Put every held lease back in the frontier now (a worker shutting down)."""
        held, self.held = self.held, set()
        if not held:
            return 0
        pipe = self.server.pipeline()
        pipe.zadd(self.keys.leases, dict.fromkeys(held, 0), xx=True)
        pipe.execute()
        return self.requeue_expired(limit=len(held) + 1000)


class LeasedPriorityQueue(PriorityQueue):
    """``PriorityQueue`` whose ``pop`` leases instead of removing.

    Built by scrapy-redis' scheduler as ``queue_cls(server, spider, key, serializer)``;
    ``RedisScheduler`` gives it ``leases`` afterwards."""

    leases: Leases
    _enqueue_unseen: redis.commands.core.Script | None = None  # registered on first use

    def pop(self, timeout: int = 0) -> Request | None:
        member = self.leases.take()
        if member is None:
            return None
        request = decode_request(self, member)
        request.meta[LEASE_META] = member
        return request

    def push(self, request: Request) -> None:
        # Never store a parent's lease (copied into a redirect or retry) in the frontier.
        request.meta.pop(LEASE_META, None)
        super().push(request)

    def push_unseen(self, request: Request, seen_key: str, fingerprint: str) -> bool:
        """Mark the request seen in ``seen_key`` and queue it, in one step; False
        (nothing queued) when it was seen already."""
        request.meta.pop(LEASE_META, None)
        if self._enqueue_unseen is None:
            self._enqueue_unseen = self.server.register_script(_ENQUEUE_UNSEEN)
        return bool(self._enqueue_unseen(
            keys=[seen_key, self.key],
            args=[fingerprint, -request.priority, encode_request(self, request)],
        ))


class RunDupeFilter(RFPDupeFilter):
    """Seen-request fingerprints in ``PREFIX:dupefilter:RUN``, via the crawler's fingerprinter."""

    def __init__(self, server: redis.Redis, key: str, debug: bool = False, *,
                 crawler: Crawler | None = None, ttl: int = 0) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = crawler.request_fingerprinter if crawler is not None else None
        self.ttl = ttl

    @classmethod
    def from_spider(cls, spider: Spider) -> "RunDupeFilter":
        crawler = spider.crawler
        s = crawler.settings
        keys = cluster_keys(s)
        server = redis_client(s)
        key = keys.dupefilter(current_run(server, keys))
        ttl = s.getint("NEWSCRAWL_REDIS_DUPEFILTER_TTL")
        df = cls(server, key, s.getbool("DUPEFILTER_DEBUG"), crawler=crawler, ttl=ttl)
        df.touch()
        return df

    def request_fingerprint(self, request: Request) -> str:
        if self.fingerprinter is None:
            return str(super().request_fingerprint(request))
        return self.fingerprinter.fingerprint(request).hex()

    def touch(self) -> None:
        """Start (or push back) the key's expiry: a run's filter outlives it by at most ``ttl``."""
        if self.ttl > 0:
            self.server.expire(self.key, self.ttl)

    def close(self, reason: str = "") -> None:
        # Workers share the filter: one finishing must not clear it for the others
        # (FrontierExtension deletes it once the whole run is over).
        pass


class RedisScheduler(Scheduler):
    """scrapy-redis' ``Scheduler`` with leases, a shared client and lease-aware enqueue.

    scrapy-redis 0.9.1 works with Scrapy 2.19's scheduler interface
    (``from_crawler``, ``open(spider)``, ``close(reason)``, ``enqueue_request``,
    ``next_request``, ``has_pending_requests``) but calls APIs deprecated since
    2.13 (``Spider.log``, ``stats.inc_value(..., spider=)``); ``open``,
    ``enqueue_request`` and ``next_request`` are restated here without them."""

    leases: Leases

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RedisScheduler":
        instance: RedisScheduler = super().from_crawler(crawler)
        s = crawler.settings
        instance.leases = Leases(instance.server, cluster_keys(s), s.getfloat("NEWSCRAWL_REDIS_LEASE"))
        return instance

    def open(self, spider: Spider) -> None:
        # scrapy-redis' open(), without its deprecated Spider.log() call.
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer
        )
        self.queue.leases = self.leases
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if len(self.queue):
            logger.info("joining a crawl in progress: %d requests waiting", len(self.queue))

    def close(self, reason: str) -> None:
        self.leases.give_back()
        super().close(reason)

    def enqueue_request(self, request: Request) -> bool:
        parent = request.meta.pop(LEASE_META, None)
        try:
            # scrapy-redis' enqueue_request(), without the deprecated stats spider argument,
            # and with the duplicate check and the push in one Redis script
            if request.dont_filter:
                self.queue.push(request)
            elif not self.queue.push_unseen(request, self.df.key,
                                            self.df.request_fingerprint(request)):
                self.df.log(request, self.spider)
                return False
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis")
            return True
        finally:
            if parent is not None:
                self.leases.release(parent)

    def next_request(self) -> Request | None:
        request: Request | None = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
