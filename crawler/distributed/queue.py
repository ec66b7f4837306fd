"""The item queue from workers to the writer: encoding, and a reliable list.

Workers ``LPUSH`` encoded items onto ``PREFIX:items``. The writer ``take``s a
batch with BLMOVE/LMOVE into ``PREFIX:items:processing``, commits it to SQLite,
then ``ack``s (LREM) each item: an item is removed only after its commit, so a
writer killed at any moment loses nothing; on start it ``recover``s what the
last writer had taken. An item may thus be stored twice, which ``store_page``
absorbs (the second time is a ``duplicate_url``).

Encoding: the item's class name (any dataclass of ``crawler.items``) and fields as JSON
(nested dataclasses such as the page's ``Analysis`` as their fields, bytes such as
the HTML and the MinHash signature as base64), the whole zlib-compressed: no
pickle crosses machines on this queue, and an item can be inspected with
``zlib.decompress``. Decoding rebuilds the typed fields from the item classes'
annotations, so only those classes are ever constructed.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import types
import typing
import zlib
from typing import Any

import redis

from crawler import items as item_classes
from crawler.distributed.keys import ClusterKeys

_BYTES = "__bytes__"


def is_queueable(item: Any) -> bool:
    """An item dataclass of ``crawler.items`` (PageItem, FailureItem, ...)."""
    cls = type(item)
    return dataclasses.is_dataclass(item) and is_queueable_class(cls) and getattr(item_classes, cls.__name__, None) is cls


def _tag(value: Any) -> Any:
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _tag(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _tag(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tag(v) for v in value]
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _BYTES in value:
            return base64.b64decode(value[_BYTES])
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def _typed(hint: Any, value: Any) -> Any:
    """``value`` (plain JSON-decoded data) as the annotated type: dataclasses, enums
    and tuples rebuilt, ``X | None`` unwrapped; anything else as it is."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if origin is tuple and isinstance(value, list):
        return tuple(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _build(hint, value)
    return value


def _build(cls: type, fields: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(**{name: _typed(hints.get(name), value) for name, value in fields.items()})


def encode_item(item: Any) -> bytes:
    if not is_queueable(item):
        raise TypeError(f"not an item of crawler.items: {type(item).__name__}")
    kind = type(item).__name__
    fields = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    doc = {"kind": kind, "fields": _tag(fields)}
    return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def decode_item(raw: bytes) -> Any:
    """Raises ``ValueError`` on anything that is not an encoded item."""
    try:
        doc = json.loads(zlib.decompress(raw))
        cls = getattr(item_classes, doc["kind"])
        if not isinstance(cls, type) or not dataclasses.is_dataclass(cls) or not is_queueable_class(cls):
            raise TypeError(f"{doc['kind']} is not an item class")
        return _build(cls, _untag(doc["fields"]))
    except (zlib.error, json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as e:
        raise ValueError(f"not an encoded item: {type(e).__name__}: {e}") from None


def is_queueable_class(cls: Any) -> bool:
    return isinstance(cls, type) and cls.__module__ == item_classes.__name__


class ItemQueue:
    """``PREFIX:items`` with its processing list, from the writer's side."""

    def __init__(self, server: redis.Redis, keys: ClusterKeys) -> None:
        self.server = server
        self.keys = keys

    def push(self, raw: bytes) -> None:
        self.server.lpush(self.keys.items, raw)

    def recover(self) -> int:
        """Move items a previous writer took but never acknowledged back to the queue."""
        moved = 0
        while self.server.lmove(self.keys.processing, self.keys.items, "LEFT", "RIGHT") is not None:
            moved += 1
        return moved

    def take(self, limit: int, block: float) -> list[bytes]:
        """Up to ``limit`` items, oldest first; waits up to ``block`` seconds for the first."""
        first = self.server.blmove(self.keys.items, self.keys.processing, block, "RIGHT", "LEFT")
        if first is None:
            return []
        batch = [first]
        while len(batch) < limit:
            raw = self.server.lmove(self.keys.items, self.keys.processing, "RIGHT", "LEFT")
            if raw is None:
                break
            batch.append(raw)
        return batch

    def ack(self, raws: list[bytes]) -> None:
        pipe = self.server.pipeline()
        for raw in raws:
            pipe.lrem(self.keys.processing, -1, raw)
        pipe.execute()

    def bury(self, raw: bytes) -> None:
        """Keep an undecodable item aside (``PREFIX:items:dead``) and acknowledge it."""
        pipe = self.server.pipeline()
        pipe.lpush(self.keys.dead, raw)
        pipe.lrem(self.keys.processing, -1, raw)
        pipe.execute()

    def sizes(self) -> tuple[int, int]:
        """(items waiting, items taken but not acknowledged)."""
        pipe = self.server.pipeline(transaction=False)
        pipe.llen(self.keys.items)
        pipe.llen(self.keys.processing)
        waiting, processing = pipe.execute()
        return int(waiting), int(processing)
