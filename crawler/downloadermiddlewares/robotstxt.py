"""RobotsTxtMiddleware: Scrapy's, with a site's unreachable robots.txt told in
one log line instead of a traceback.

Scrapy logs a robots.txt that could not be downloaded (connection refused,
timeout, DNS failure ...) with the whole traceback of the download, and then
crawls the site as if its robots.txt allowed everything. That is the expected
fate of a site that is down, not a bug: this middleware (in Scrapy's place,
settings/base.py) installs a filter on Scrapy's robots.txt logger that turns
those records into one line naming the robots.txt and the reason
(``crawler.utils.failures.describe_failure``). Any other exception keeps its
traceback. What happens to the site's pages is unchanged: each failure is
recorded in ``urls`` with its reason, as for any page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from twisted.internet.error import ConnectError, ConnectionLost, DNSLookupError, TimeoutError
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from crawler.compat import ROBOTSTXT_LOGGER, robotstxt_download_error
from crawler.utils.failures import describe_failure

# What the network does to a download; anything else is a bug and keeps its traceback.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
    DownloadFailedError, DownloadTimeoutError, ResponseDataLossError, UnsupportedURLSchemeError,
    ConnectError, ConnectionLost, DNSLookupError, TimeoutError, ResponseFailed,
    ResponseNeverReceived, OSError,
)


class RobotsTxtErrorFilter(logging.Filter):
    """Rewrites Scrapy's "Error downloading" robots.txt record of a network
    failure into one line, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = robotstxt_download_error(record)
        if found is None:
            return True
        request, exc = found
        if not isinstance(exc, NETWORK_ERRORS):
            return True
        reason = describe_failure(Failure(exc))[0]
        parts = urlsplit(str(getattr(request, "url", "")))
        record.msg = ("robots.txt of %(site)s not fetched (%(reason)s); "
                      "its pages are requested as if it allowed them")
        record.args = {"site": f"{parts.scheme}://{parts.netloc}", "reason": reason}
        record.exc_info = None
        record.exc_text = None
        return True


_FILTER = RobotsTxtErrorFilter()


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        logger = logging.getLogger(ROBOTSTXT_LOGGER)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
