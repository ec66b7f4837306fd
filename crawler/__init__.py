"""newscrawl: news ingestion crawler."""

__version__ = "0.1.0"
