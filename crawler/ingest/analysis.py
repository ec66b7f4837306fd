"""What a worker process does with one page: extraction and article detection,
plus, for an article, the near-duplicate signature and hash of its text and its
compressed raw HTML (CPU work that belongs off the event loop).

The functions here are named by path (``"crawler.ingest.analysis:analyze_page"``)
to ``crawler.utils.pool.ExtractionPool``, which runs them in its workers."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extraction.result import Extraction
from storage.neardup import Signature, text_signature
from storage.pages import DEFAULT_CODEC, compress_html, decompress_html
from storage.records import text_hash

# Re-extraction sends pages as stored (compressed) and names their codec in this
# pseudo-header: decompressing is then the worker's job, not the parent's.
STORED_CODEC_HEADER = "x-newscrawl-stored-codec"
# The crawl says, in these pseudo-headers, how it reached a page (its listing kind:
# crawler.utils.listings) and whether it follows the page's links, which the worker
# then reads from the tree it parsed (off the crawl's event loop).
LISTING_HEADER = "x-newscrawl-listing"
FOLLOW_HEADER = "x-newscrawl-follow"


def crawl_headers(headers: dict[str, str], listing: str | None, follow: bool) -> dict[str, str]:
    """A fetched page's headers with the crawl's pseudo-headers for the worker."""
    extra = {LISTING_HEADER: listing} if listing else {}
    if follow:
        extra[FOLLOW_HEADER] = "1"
    return {**headers, **extra} if extra else headers

ANALYZE_PAGE = "crawler.ingest.analysis:analyze_page"
REANALYZE_STORED_PAGE = "crawler.ingest.analysis:reanalyze_stored_page"


@dataclass
class Analysis:
    """One page, analysed: its extraction and, for an article, what storage needs
    to deduplicate it, computed in the worker."""

    extraction: Extraction
    signature: Signature | None = None  # MinHash of the body (articles only)
    body_hash: str | None = None  # storage.records.text_hash of the body (articles only)
    compressed: tuple[str, bytes] | None = None  # (codec, raw HTML compressed with it)
    # not an article, but an application shell that needs JavaScript: why it looks like
    # one (crawler.rendering.shell); the crawl's RenderPipeline renders it
    shell: str | None = None

    @property
    def url(self) -> str:
        return self.extraction.url


def _analysis(extraction: Extraction) -> Analysis:
    if not (extraction.is_article and extraction.body):
        return Analysis(extraction)
    return Analysis(extraction, text_signature(extraction.body), text_hash(extraction.body))


def analyze_page(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> Analysis:
    from crawler.extraction.page import extract_page  # in the worker processes only

    headers = dict(headers or {})
    listing = headers.pop(LISTING_HEADER, None)
    follow = headers.pop(FOLLOW_HEADER, None) == "1"
    analysis = _analysis(extract_page(html, url, headers, listing=listing, links=follow, skim=True))
    if analysis.signature is not None:
        raw = html.encode("utf-8") if isinstance(html, str) else bytes(html)
        analysis.compressed = (DEFAULT_CODEC, compress_html(raw, DEFAULT_CODEC))
    else:
        from crawler.rendering.shell import shell_reason

        analysis.shell = shell_reason(analysis.extraction, html)
    return analysis


def reanalyze_stored_page(blob: bytes, url: str, headers: dict[str, str] | None = None) -> Analysis:
    """Re-extraction of a stored page: ``blob`` is compressed with the codec named
    in ``headers[STORED_CODEC_HEADER]``. No compressed copy is returned (the page
    is already stored)."""
    headers = dict(headers or {})
    codec = headers.pop(STORED_CODEC_HEADER, "")
    try:
        html = decompress_html(bytes(blob), codec)
    except Exception as e:
        raise ValueError(f"unreadable page: {type(e).__name__}: {e}") from None
    from crawler.extraction.page import extract_page

    return _analysis(extract_page(html, url, headers))

