"""Everything that knows the database's shape. Never imports scrapy or crawler."""

from storage.db import DatabaseFileError, check_db_file, open_db
from storage.migrations import MIGRATIONS

__all__ = ["open_db", "check_db_file", "DatabaseFileError", "MIGRATIONS"]
