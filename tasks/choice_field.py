"""A form field in the Prefect UI that offers one choice from a list and is not required:
Prefect's form says "'x' is a required property" in English for a required field left empty,
and for an Optional one offers "str / None" tabs instead of the one list. Sent without a
choice, the field is None, and the caller says in Chinese what stays as it was."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from pydantic import Field, WithJsonSchema


def one_of(choices: Any) -> Any:
    """The field's type: one of the Literal `choices`, or None."""
    return Annotated[choices | None, WithJsonSchema({"type": "string",
                                                     "enum": list(get_args(choices))})]


def chosen(title: str, description: str) -> Any:
    """The field itself: no default shown in the form, so the list starts unchosen."""
    return Field(None, title=title, description=description,
                 json_schema_extra=lambda s: s.pop("default", None))
