"""The baseline for benchmarks/journey.py: the least a Flask app doing the same job must do.

One page with a 20-field Flask-WTF form (CSRF on), rendered by Jinja on GET; a POST that
validates all 20 fields and inserts one row with SQLAlchemy into SQLite in WAL mode, then
redirects (post/redirect/get, as the reporting journey does). No security headers, no rate
limits, no encryption, no GOV.UK macros: it is the floor the real app is compared against.

Served by gunicorn with the same settings as the app::

    BARE_SECRET_KEY=... BARE_DATABASE_URL=sqlite:////tmp/x/bare.sqlite3 \
        gunicorn --workers 2 --worker-class sync --bind 127.0.0.1:8001 \
        --pythonpath benchmarks bare_app:app

Create the table first with ``create_schema(url)`` (journey.py does): two workers importing
this module at once would race to create it.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from flask import Flask, redirect, render_template, url_for
from flask_wtf import FlaskForm
from jinja2 import DictLoader
from sqlalchemy import DateTime, Engine, Integer, String, Text, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from werkzeug.wrappers import Response
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

CHOICES = [("a", "Option A"), ("b", "Option B"), ("c", "Option C"), ("d", "Option D")]


class Base(DeclarativeBase):
    pass


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    f01: Mapped[str] = mapped_column(String(200))
    f02: Mapped[str] = mapped_column(String(200))
    f03: Mapped[str] = mapped_column(String(200))
    f04: Mapped[str] = mapped_column(String(200))
    f05: Mapped[str] = mapped_column(String(200))
    f06: Mapped[str] = mapped_column(String(200))
    f07: Mapped[str] = mapped_column(String(200))
    f08: Mapped[str] = mapped_column(String(254))
    f09: Mapped[str] = mapped_column(Text)
    f10: Mapped[str] = mapped_column(Text)
    f11: Mapped[str] = mapped_column(Text)
    f12: Mapped[str] = mapped_column(Text)
    f13: Mapped[str] = mapped_column(String(20))
    f14: Mapped[str] = mapped_column(String(20))
    f15: Mapped[str] = mapped_column(String(20))
    f16: Mapped[str] = mapped_column(String(20))
    f17: Mapped[str] = mapped_column(String(20))
    f18: Mapped[str] = mapped_column(String(100))
    f19: Mapped[str] = mapped_column(String(100))
    f20: Mapped[int] = mapped_column(Integer)


def _text(label: str) -> StringField:
    return StringField(label, validators=[DataRequired(), Length(max=200)])


def _area(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=2000)])


def _radio(label: str) -> RadioField:
    return RadioField(label, choices=CHOICES, validators=[DataRequired()])


def _multi(label: str) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        choices=CHOICES,
        validators=[Optional()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class BareForm(FlaskForm):
    f01 = _text("Field 1")
    f02 = _text("Field 2")
    f03 = _text("Field 3")
    f04 = _text("Field 4")
    f05 = _text("Field 5")
    f06 = _text("Field 6")
    f07 = _text("Field 7")
    f08 = StringField(
        "Email", validators=[DataRequired(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    )
    f09 = _area("Field 9")
    f10 = _area("Field 10")
    f11 = _area("Field 11")
    f12 = _area("Field 12")
    f13 = _radio("Field 13")
    f14 = _radio("Field 14")
    f15 = _radio("Field 15")
    f16 = SelectField("Field 16", choices=CHOICES, validators=[DataRequired()])
    f17 = SelectField("Field 17", choices=CHOICES, validators=[DataRequired()])
    f18 = _multi("Field 18")
    f19 = _multi("Field 19")
    f20 = IntegerField("Field 20", validators=[DataRequired(), NumberRange(min=1, max=10_000)])


# Sample answers that pass validation, for the load client (lists: repeated names).
VALID_ANSWERS: dict[str, Any] = {
    **{f"f{i:02d}": f"Answer to field {i}" for i in range(1, 8)},
    "f08": "person@example.org",
    **{
        f"f{i:02d}": f"A longer answer to field {i}, as a person might type it."
        for i in range(9, 13)
    },
    "f13": "a",
    "f14": "b",
    "f15": "c",
    "f16": "d",
    "f17": "a",
    "f18": ["a", "c"],
    "f19": ["b"],
    "f20": "42",
}

PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
  <h1>{{ title }}</h1>
  {% if form.errors %}<p>There is a problem.</p>{% endif %}
  <form method="post" action="{{ url_for('form_page') }}" novalidate>
    {{ form.csrf_token }}
    {% for field in form if field.name != "csrf_token" %}
    <div class="field">
      {{ field.label }}
      {% for error in field.errors %}<p class="error">{{ error }}</p>{% endfor %}
      {{ field() }}
    </div>
    {% endfor %}
    <button type="submit">Continue</button>
  </form>
</main>
</body>
</html>
"""


def make_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine


def create_schema(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


def create_app(secret_key: str | None = None, database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret_key or os.environ["BARE_SECRET_KEY"]
    # A named template is compiled once and cached, as the app's file templates are
    # (render_template_string would recompile the page on every request).
    app.jinja_loader = DictLoader({"form.html": PAGE})  # type: ignore[assignment]
    engine = make_engine(database_url or os.environ["BARE_DATABASE_URL"])
    sessions = sessionmaker(engine)

    @app.route("/", methods=["GET", "POST"])
    def form_page() -> Response | str | tuple[str, int]:
        form = BareForm()
        if form.is_submitted():
            if not form.validate():
                return render_template("form.html", title="Bare form", form=form), 400
            with sessions() as db:
                db.add(
                    Submission(
                        created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                        **{
                            k: v if not isinstance(v, list) else ",".join(v)
                            for k, v in form.data.items()
                            if k.startswith("f")
                        },
                    )
                )
                db.commit()
            return redirect(url_for("form_page"))
        return render_template("form.html", title="Bare form", form=form)

    return app


# gunicorn bare_app:app; importing the module elsewhere (journey.py) must not need the env.
app = create_app() if "BARE_SECRET_KEY" in os.environ else None
