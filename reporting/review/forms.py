"""Forms of the review workspace: list filters (GET) and the report page's actions (POST).

Every value is checked against its list or pattern with a length limit; none of these fields
carries the browser's ``required`` attribute (GOV.UK validates on the server). The report
page's forms are in ``action_forms``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from werkzeug.datastructures import MultiDict
from wtforms import Field, HiddenField, RadioField, SelectField, StringField
from wtforms.form import BaseForm
from wtforms.validators import Optional, Regexp, StopValidation, ValidationError

from ..baseform import Form, choice_field
from ..casework import REPORTER_TYPES, STATUSES
from ..casework.filters import ListFilters

DATE_HINT = "For example, 27/3/2025"
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
MAX_PAGE = 1_000_000
# The "Assigned to" filter's choices before the officers' names.
_ANYONE = [("", "Anyone or nobody"), ("me", "Me"), ("none", "Nobody (unassigned)")]


def parse_date(text: str) -> dt.date:
    """A day/month/year (or ISO) date as typed; ValueError saying what is wrong."""
    text = text.strip()
    if len(text) > 20:
        raise ValueError("format")
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError("format")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError("real") from None


def short_label(label: str) -> str:
    """A choice label without its bracketed explanation, to fit a table or a select."""
    return label.split(" (", 1)[0]


_ChoiceField = TypeVar("_ChoiceField", bound=SelectField)


def _choices(
    kind: type[_ChoiceField],
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    invalid: str,
    default: str | None = None,
    description: str = "",
    optional: bool = False,
) -> _ChoiceField:
    """A select (radios if ``kind`` is RadioField) saying ``invalid`` for any other value."""
    widget = GovRadioInput() if issubclass(kind, RadioField) else GovSelect()
    validators = [Optional()] if optional else None
    return choice_field(
        kind,
        label,
        invalid_choice=invalid,
        choices=choices,
        default=default,
        description=description,
        validators=validators,
        widget=widget,
    )


class DateText(StringField):
    """A date typed as day/month/year; ``date`` holds it once validated."""

    widget = GovTextInput()
    date: dt.date | None = None

    def pre_validate(self, form: BaseForm) -> None:
        self.date = None
        text = (self.data or "").strip()
        if not text:
            return
        name = str(self.label.text)
        try:
            self.date = parse_date(text)
        except ValueError as error:
            if str(error) == "real":
                raise StopValidation(f"{name} must be a real date") from None
            raise StopValidation(
                f"Enter {name.lower()} as day/month/year, like 27/3/2025"
            ) from None


class ListFilterForm(Form):
    """The list's filters; they travel in the query string, so there is no CSRF token."""

    class Meta:
        csrf = False

    status = _choices(
        SelectField,
        "Status",
        choices=[("", "Any status"), *STATUSES],
        default="",
        invalid="Select a status from the list",
    )
    strand = _choices(
        SelectField,
        "Hate strand",
        choices=[("", "Any strand")],
        default="",
        invalid="Select a hate strand from the list",
    )
    district = _choices(
        SelectField,
        "District",
        choices=[("", "Any district")],
        default="",
        invalid="Select a district from the list",
    )
    reporter_type = _choices(
        SelectField,
        "Reported by",
        choices=[("", "Anyone"), *REPORTER_TYPES],
        default="",
        invalid="Select who reported it from the list",
    )
    assigned = _choices(
        SelectField,
        "Assigned to",
        choices=_ANYONE,
        default="",
        invalid="Select an officer from the list",
    )
    received_from = DateText("Received from", description=DATE_HINT)
    received_to = DateText("Received to", description=DATE_HINT)
    first_look = _choices(
        SelectField,
        "First look",
        choices=[("", "Any"), ("overdue", "Overdue only")],
        default="",
        description="Overdue: nobody has looked at it and it was due before today.",
        invalid="Select overdue only, or any",
    )
    seen = _choices(
        SelectField,
        "New since you last looked",
        choices=[("", "New or not"), ("new", "New since I last looked")],
        default="",
        description="Reports that arrived after you last selected \u201cMark all as seen\u201d.",
        invalid="Select new since I last looked, or new or not",
    )
    sort = _choices(
        SelectField,
        "Sort by",
        choices=[("newest", "Newest first"), ("oldest", "Oldest first")],
        default="newest",
        invalid="Select newest or oldest first",
    )
    # Not shown in the form: changing a filter starts again at page 1.
    page = StringField("Page", default="1")

    # The fields a person sets, in the order they are shown.
    SHOWN = (
        "status",
        "strand",
        "district",
        "reporter_type",
        "assigned",
        "received_from",
        "received_to",
        "sort",
        "first_look",
        "seen",
    )

    def __init__(
        self,
        formdata: MultiDict[str, str],
        *,
        strands: Iterable[tuple[str, str]],
        districts: Iterable[tuple[str, str]],
        officers: Iterable[tuple[int, str]],
    ) -> None:
        super().__init__(formdata=formdata)
        self.strand.choices = [("", "Any strand")] + [(v, short_label(t)) for v, t in strands]
        self.district.choices = [("", "Any district")] + [(v, t) for v, t in districts]
        self.assigned.choices = _ANYONE + [(str(user_id), name) for user_id, name in officers]

    def validate_page(self, field: Field) -> None:
        text = (field.data or "1").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 7:
            raise ValidationError("The page must be a whole number, 1 or more")
        number = int(text)
        if not 1 <= number <= MAX_PAGE:
            raise ValidationError("The page must be a whole number, 1 or more")

    def validate_received_to(self, field: DateText) -> None:
        start, end = self.received_from.date, field.date
        if start and end and end < start:
            raise ValidationError("Received to must be the same as or after received from")

    @property
    def page_number(self) -> int:
        return int((self.page.data or "1").strip())

    def filters(self, user_id: int) -> ListFilters:
        """The validated filters; "me" is the signed-in user."""
        assigned = self.assigned.data or ""
        assigned_to = user_id if assigned == "me" else int(assigned) if assigned.isdigit() else None
        return ListFilters(
            status=self.status.data or None,
            strand=self.strand.data or None,
            district=self.district.data or None,
            reporter_type=self.reporter_type.data or None,
            assigned_to=assigned_to,
            unassigned=assigned == "none",
            received_from=self.received_from.date,
            received_to=self.received_to.date,
            oldest_first=self.sort.data == "oldest",
            overdue=self.first_look.data == "overdue",
            new_to=user_id if self.seen.data == "new" else None,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as set, for links that keep them (pages, counts)."""
        args = {}
        for name in self.SHOWN:
            value = (self[name].data or "").strip()
            if value and not (name == "sort" and value == "newest"):
                args[name] = value
        return args

    @property
    def is_filtered(self) -> bool:
        return any(name != "sort" for name in self.query_args())


class MarkSeenForm(Form):
    """ "Mark all as seen": the latest arrival when the list was shown (casework/seen.py)."""

    up_to = HiddenField(validators=[Regexp(r"\A[0-9]{1,12}\Z")])

    @property
    def arrival(self) -> int:
        return int(self.up_to.data or "0")
