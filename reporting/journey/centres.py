"""Find a reporting centre: the listed centres whose listing was checked recently, by district.

Public, read-only and the same for everyone: it shows only what each organisation chose to
publish. A centre serving several districts appears under each of them.
"""

from __future__ import annotations

from flask import current_app, render_template

from .. import centres
from ..clock import utcnow
from ..db import get_session
from . import bp


@bp.get("/find-a-reporting-centre")
def find_centre() -> str:
    config = current_app.config
    return render_template(
        "journey/find_centre.html",
        title="Find a reporting centre",
        listings=centres.directory(
            get_session(),
            today=utcnow().date(),
            max_age_days=config["CENTRE_LISTING_MAX_AGE_DAYS"],
            districts=config["DISTRICTS"],
        ),
        kind_names=centres.KIND_NAMES,
    )
