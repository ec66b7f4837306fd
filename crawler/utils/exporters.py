"""Writing exports: articles as JSON lines, CSV or Parquet, each streamed as rows
come, into a file that appears complete or not at all."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crawler.utils.errors import UserError
from storage.export import ARTICLE_COLUMNS, BOOL_COLUMNS, LIST_COLUMNS

# Rows per Parquet row group: bounds memory while writing.
PARQUET_BATCH = 1000


@contextmanager
def atomic_output(path: Path, mode: str, **kwargs: Any) -> Iterator[IO[Any]]:
    """Write to ``path.part`` and rename it to ``path`` only once complete."""
    part = path.with_name(path.name + ".part")
    try:
        with open(part, mode, **kwargs) as f:
            yield f
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """One header line, then one line per article; lists as JSON text, booleans as
    ``true``/``false`` (empty: unknown)."""
    writer = csv.DictWriter(out, fieldnames=list(ARTICLE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        for column in LIST_COLUMNS:
            row[column] = json.dumps(row[column], ensure_ascii=False)
        for column in BOOL_COLUMNS:
            if row[column] is not None:
                row[column] = json.dumps(row[column])
        writer.writerow(row)
        n += 1
    return n


def require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise UserError(
            "--format parquet needs pyarrow, which is not installed: "
            "pip install 'newscrawl[parquet]' (or pip install pyarrow)"
        ) from None
    return pyarrow


def parquet_schema(pa: Any) -> Any:
    image = pa.struct([("url", pa.string()), ("caption", pa.string()), ("credit", pa.string()),
                       ("width", pa.int64())])
    types = {"id": pa.int64(), "word_count": pa.int64(), "run_id": pa.int64(),
             "version": pa.int64(), "story_id": pa.int64(), "paywalled": pa.bool_(),
             "authors": pa.list_(pa.string()), "tags": pa.list_(pa.string()),
             "images": pa.list_(image)}
    return pa.schema([(c, types.get(c, pa.string())) for c in ARTICLE_COLUMNS])


def write_parquet(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Row groups of ``PARQUET_BATCH`` articles, written as they fill."""
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    schema = parquet_schema(pa)
    n = 0
    with atomic_output(path, "wb") as f, pq.ParquetWriter(f, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        # An empty export still gets a valid file with the schema.
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n
