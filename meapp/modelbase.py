"""Column helpers shared by the models of every area."""
from __future__ import annotations

import datetime as dt
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

# Indicator values and targets: 18 digits, 4 decimals, read as Decimal.
Amount = sa.Numeric(18, 4, asdecimal=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def enum_column(enum_cls: type[Enum], **kwargs):
    """An enum stored as its string value (no native enum), so SQLite and PostgreSQL agree."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 4,
        values_callable=lambda cls: [m.value for m in cls],
        name=enum_cls.__name__.lower(),
        validate_strings=True,
        **kwargs,
    )


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
