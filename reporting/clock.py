"""The one clock: UTC as a naive datetime, the form every timestamp column stores."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
