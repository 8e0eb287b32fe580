"""Column types shared by the models."""

from __future__ import annotations

import re

from sqlalchemy import Enum

from crm.models.enums import LabelledEnum


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def enum_type(enum_cls: type[LabelledEnum]) -> Enum:
    """Store an enum as its slug in a VARCHAR with a CHECK constraint (portable, readable)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        create_constraint=True,
        name=_snake(enum_cls.__name__),
    )
