"""Scrapy settings for newscrawl. Configuration only: no I/O at import.

Our own settings carry the NEWSCRAWL_ prefix. Override any of them with
``newscrawl crawl -s KEY=VALUE`` or ``scrapy crawl news -s KEY=VALUE``.
"""

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "newscrawl/0.1 (+https://github.com/newscrawl/newscrawl)"
ROBOTSTXT_OBEY = True

# Politeness: a few parallel requests per site, adaptive delay.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

# Error responses go to the spider's errback (HttpError), which records each with its reason.
HTTPERROR_ALLOW_ALL = False

# Breadth-first: listing pages before deep links.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# Dedup requests on the canonical key (tracking parameters, AMP/print variants folded).
REQUEST_FINGERPRINTER_CLASS = "crawler.utils.request.CanonicalFingerprinter"

# Host names are judged by what they resolve to: one resolving to a private,
# loopback or link-local address is refused before connecting (crawler/resolver.py).
TWISTED_DNS_RESOLVER = "crawler.resolver.PolicyResolver"

# The requests a page being rendered makes (scripts, its JSON API: crawler/pipelines/render.py)
# share one download slot of their own: fetched the way a browser loads one page, not queued
# behind the crawl's pages and the politeness delay between them. The pages themselves, and
# their number at once (NEWSCRAWL_RENDER_CONCURRENCY), stay under the usual politeness.
DOWNLOAD_SLOTS = {"newscrawl-render": {"concurrency": 8, "delay": 0}}

# A page yields one item (extracted in worker processes), a sitemap many small
# DiscoveryItems: Scrapy's 100 concurrent items per response only burn CPU.
CONCURRENT_ITEMS = 8

DOWNLOADER_MIDDLEWARES = {
    # Refuse other schemes and private addresses before robots.txt is fetched (100).
    "crawler.downloadermiddlewares.networkpolicy.NetworkPolicyMiddleware": 40,
    "crawler.downloadermiddlewares.skipknown.SkipKnownMiddleware": 50,
    # Scrapy's, with an unreachable robots.txt told in one log line, not a traceback.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,
    # robots.txt Crawl-delay per host: after RobotsTxtMiddleware (100) has parsed it.
    "crawler.downloadermiddlewares.crawldelay.CrawlDelayMiddleware": 110,
    # Retries spaced out with exponential backoff instead of Scrapy's immediate ones.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
    # Sees 3xx responses before RedirectMiddleware (600): refused targets, loops.
    "crawler.downloadermiddlewares.networkpolicy.RedirectGuardMiddleware": 650,
    # Reads the body of 403/429/503 answers (and small 200s) after decompression (590),
    # before retries (550): a challenge page is "blocked", never retried or extracted.
    "crawler.downloadermiddlewares.botwall.BotWallMiddleware": 580,
    # Scrapy's, without decoding every page to look for a refresh tag it cannot hold.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.downloadermiddlewares.metarefresh.MetaRefreshMiddleware": 579,  # answers after BotWall (580)
}
SPIDER_MIDDLEWARES = {
    "crawler.spidermiddlewares.traps.TrapGuardMiddleware": 950,  # session IDs, URL pattern explosions
}
ITEM_PIPELINES = {
    "crawler.pipelines.extract.ExtractPipeline": 100,
    # Application shells (article metadata, no text, scripts) rendered in headless Chromium.
    "crawler.pipelines.render.RenderPipeline": 500,
    "crawler.pipelines.store.StorePipeline": 800,
}
EXTENSIONS = {
    "crawler.extensions.progress.ProgressExtension": 500,
    "scrapy.extensions.logstats.LogStats": None,
}

# --- newscrawl settings ---------------------------------------------------------
NEWSCRAWL_DB = "newscrawl.db"
NEWSCRAWL_SITES_FILE = ""
NEWSCRAWL_FOLLOW_DEPTH = 2  # default for sites without follow_depth
NEWSCRAWL_MAX_PAGES_PER_SITE = 0  # default page budget per site and run (0: none)
NEWSCRAWL_SITEMAP_FALLBACK = True  # try /sitemap.xml when robots.txt names none
NEWSCRAWL_MAX_PAGINATION = 5  # "next page" links followed per listing chain, at the listing's depth
NEWSCRAWL_FOLLOW_FROM_SITEMAP = False  # follow links found on pages listed in sitemaps/feeds
NEWSCRAWL_INCREMENTAL = True  # skip article URLs already stored (unless a re-check is due)
NEWSCRAWL_SINCE = ""  # skip sitemap/feed entries older than this: a date (2025-03-01) or a duration (2d, 12h)
NEWSCRAWL_WINDOW_DAYS = 0  # the same as a per-site rolling window in days (0: none)
NEWSCRAWL_RECHECK_DAYS = 2  # articles younger than this (days) are re-checked with a conditional GET ...
NEWSCRAWL_RECHECK_EVERY_HOURS = 0  # ... at most this often (0: every run)
NEWSCRAWL_RECHECK_OLD_DAYS = 0  # older articles every N days (0: never)
# Listing pages other than homepages and section fronts (tags, authors, archives, deep
# pagination): revisited after this many seconds, doubling while their links stay the same ...
NEWSCRAWL_LISTING_REVISIT_MIN = 3600.0
NEWSCRAWL_LISTING_REVISIT_MAX = 7 * 24 * 3600.0  # ... up to this
NEWSCRAWL_EXTRACT_PROCESSES = 0  # 0: one per core
NEWSCRAWL_EXTRACT_TIMEOUT = 20.0  # seconds per page
NEWSCRAWL_COMMIT_ITEMS = 100  # SQLite transaction batch: at most this many items ...
NEWSCRAWL_COMMIT_SECONDS = 1.0  # ... or this many seconds
# Distributed crawling (crawler/distributed, `newscrawl crawl --redis URL`)
NEWSCRAWL_REDIS_PREFIX = "newscrawl"  # prefix of every Redis key
NEWSCRAWL_REDIS_IDLE_CLOSE = 30.0  # a worker exits after the frontier is empty this long
NEWSCRAWL_REDIS_LEASE = 60.0  # seconds before a dead worker's requests go back to the frontier
NEWSCRAWL_REDIS_DUPEFILTER_TTL = 7 * 24 * 3600  # a run's duplicate filter expires after this
NEWSCRAWL_PROGRESS_INTERVAL = 5.0  # seconds between progress lines (0: off)
# Hostile web (crawler/downloadermiddlewares/retry.py, crawler/downloadermiddlewares/networkpolicy.py, crawler/spidermiddlewares/traps.py).
NEWSCRAWL_RETRY_BACKOFF_BASE = 1.0  # seconds before the 1st retry, doubling per retry, half jittered (0: none)
NEWSCRAWL_RETRY_BACKOFF_MAX = 10.0  # cap on one backoff wait
NEWSCRAWL_MAX_CRAWL_DELAY = 10.0  # robots.txt Crawl-delay is honoured up to this many seconds (0: no cap)
NEWSCRAWL_ALLOW_PRIVATE = False  # allow links/redirects to loopback/private/link-local addresses
NEWSCRAWL_ALLOWED_NETWORKS: list[str] = []  # extra CIDR networks to allow, e.g. ["10.20.0.0/16"]
NEWSCRAWL_MAX_URLS_PER_PATTERN = 300  # link-followed URLs of one shape per site and run (0: none)
NEWSCRAWL_MAX_URL_LENGTH = 2000  # longer page URLs are not followed
NEWSCRAWL_MAX_PATH_SEGMENTS = 15  # deeper paths are not followed
NEWSCRAWL_MAX_SEGMENT_REPEATS = 3  # /a/b/a/b/a/b/a: relative-link loops
NEWSCRAWL_STRIP_SESSION_IDS = True  # drop jsessionid/PHPSESSID/... from page URLs
# Pages that need JavaScript (crawler/rendering, crawler/pipelines/render.py).
NEWSCRAWL_RENDER = "auto"  # auto: render application shells only; always: every page; never
NEWSCRAWL_RENDER_CONCURRENCY = 2  # pages rendered at once (at least 1)
NEWSCRAWL_RENDER_TIMEOUT = 20.0  # seconds per page (loading, scripts, its requests) before it fails (0: DOWNLOAD_TIMEOUT)
NEWSCRAWL_RENDER_MAX_MEMORY = 1024.0  # MB (PSS of the browser's processes) above which it is restarted (0: no limit)
NEWSCRAWL_BROWSER_PATH = ""  # Chromium executable ("": chromium, chromium-browser, google-chrome on PATH)
