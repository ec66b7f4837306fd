"""Everything that knows the database's shape. Never imports scrapy or crawler."""

from storage.db import open_db
from storage.migrations import MIGRATIONS

__all__ = ["open_db", "MIGRATIONS"]
