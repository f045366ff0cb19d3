"""Where to get support, and what this service is: what a person sees on the public pages."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from flask import Flask

from reporting import create_app
from reporting.config import ConfigError
from reporting.journey.info import services_for

from .helpers import Reporter, base_config

_LINK = re.compile(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)

# A deployment elsewhere, with its own services and no police entry.
ELSEWHERE = [
    {
        "code": "riverside-hub",
        "name": "Riverside Hate Crime Hub",
        "purpose": "Local support for people affected by hate crime.",
        "phone": "01234 567890",
        "website": "https://hub.example.org/help",
        "kind": "local",
        "tags": ["talk"],
    },
    {
        "code": "housing-line",
        "name": "Example Housing Line",
        "purpose": "Help if you need to move home.",
        "phone": "0800 000 0000",
        "kind": "national",
        "tags": ["housing"],
    },
]


def main_of(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def text_of(fragment: str) -> str:
    """What a person reads: tags gone, entities decoded, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def links(fragment: str) -> dict[str, str]:
    """Each link's visible text, by its address."""
    return {html.unescape(href): text_of(text) for href, text in _LINK.findall(fragment)}


def footer_of(page: str) -> str:
    return page[page.index('<footer class="govuk-footer"') : page.index("</footer>")]


def test_support_page_lists_every_service_with_its_number_as_a_tel_link(client: Any) -> None:
    response = client.get("/support")
    assert response.status_code == 200
    main = main_of(response.get_data(as_text=True))
    text, hrefs = text_of(main), links(main)

    for name in (
        "Voice for Victims and Witnesses",
        "Victim Support",
        "Stop Hate UK",
        "Tell MAMA",
        "CST (Community Security Trust)",
        "Galop",
        "Citizens Advice",
    ):
        assert name in text, name
    # Emergencies, the police's non-emergency number and the national helplines: tel: links
    # whose text is the number itself, so it can be read and dialled by hand too.
    assert hrefs["tel:999"] == "999"
    assert hrefs["tel:18000"] == "18000"
    assert hrefs["tel:101"] == "101"
    assert hrefs["tel:08081689111"] == "08 08 16 89 111"  # Victim Support
    assert hrefs["tel:08004561226"] == "0800 456 1226"  # Tell MAMA
    assert hrefs["tel:08000323263"] == "0800 032 3263"  # CST
    assert hrefs["tel:08009995428"] == "0800 999 5428"  # Galop
    assert hrefs["tel:08001448848"] == "0800 144 8848"  # Citizens Advice
    assert hrefs["https://www.victimsupport.org.uk"] == "www.victimsupport.org.uk"
    assert hrefs["https://www.voicenorthants.org"] == "www.voicenorthants.org"
    assert hrefs["https://www.stophateuk.org"] == "www.stophateuk.org"
    assert "Support in Northamptonshire" in text


def test_support_is_reachable_from_the_start_page_and_a_question_pages_footer(
    reporter: Reporter,
) -> None:
    start = reporter.get("/").get_data(as_text=True)
    assert links(main_of(start))["/support"] == "Get support"

    started = reporter.start()
    question = reporter.get(started.location)
    assert question.status_code == 200
    assert links(footer_of(reporter.last_html))["/support"] == "Get support"

    support = reporter.get("/support").get_data(as_text=True)
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", support) == ["Get support"]


def test_a_deployments_own_services_replace_the_defaults(make_app: Any) -> None:
    app = make_app(SUPPORT_SERVICES=ELSEWHERE, AREA_NAME="Riverside")
    client = app.test_client()
    main = main_of(client.get("/support", base_url="https://localhost").get_data(as_text=True))
    text, hrefs = text_of(main), links(main)

    assert "Riverside Hate Crime Hub" in text and "Example Housing Line" in text
    assert hrefs["tel:01234567890"] == "01234 567890"
    assert hrefs["https://hub.example.org/help"] == "hub.example.org/help"
    assert "Support in Riverside" in text
    for default in ("Victim Support", "Voice for Victims", "Northamptonshire Police", "Galop"):
        assert default not in text, default
    assert "tel:101" not in hrefs  # no police entry configured here

    # Without a configured force, the start page still says how to reach the police.
    start = text_of(main_of(client.get("/", base_url="https://localhost").get_data(as_text=True)))
    assert "when it is not an emergency, call 101" in start
    assert "report online on your local police force's website" in start
    assert "Northamptonshire Police" not in start
    assert "include Riverside Hate Crime Hub and Example Housing Line." in start


def test_support_services_can_be_set_as_json_in_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REPORTING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REPORTING_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("REPORTING_RECEIPT_PEPPER", "ab" * 32)
    monkeypatch.setenv("REPORTING_SUPPORT_SERVICES", json.dumps(ELSEWHERE))
    app = create_app()
    assert [s.code for s in services_for(app.config, [])] == ["riverside-hub", "housing-line"]

    monkeypatch.setenv("REPORTING_SUPPORT_SERVICES", json.dumps([{"name": "No code"}]))
    with pytest.raises(ConfigError, match="SUPPORT_SERVICES"):
        create_app()


@pytest.mark.parametrize(
    ("services", "complaint"),
    [
        ({"code": "x"}, "must be a list"),
        ([{"code": "x", "name": "X"}], "has no purpose"),
        ([{"code": "x", "name": "X", "purpose": "P", "telephone": "101"}], "unknown fields"),
        ([{"code": "x", "name": "X", "purpose": "P", "website": "javascript:alert(1)"}], "https"),
        ([{"code": "x", "name": "X", "purpose": "P", "website": "/staff/sign-in"}], "https"),
        ([{"code": "x", "name": "X", "purpose": "P", "phone": "call 101"}], "digits"),
        ([{"code": "x", "name": "X", "purpose": "P", "kind": "regional"}], "kind"),
        ([{"code": "x", "name": "X", "purpose": "P", "tags": "talk"}], "tags"),
        ([{"code": "x", "name": "X", "purpose": "P"}] * 2, "more than once"),
    ],
)
def test_a_malformed_support_setting_stops_start_up(tmp_path, services, complaint) -> None:
    with pytest.raises(ConfigError, match=complaint):
        create_app({**base_config(tmp_path), "SUPPORT_SERVICES": services})


def test_services_for_puts_what_the_person_asked_for_first(app: Flask) -> None:
    def codes(wanted: list[str]) -> list[str]:
        return [service.code for service in services_for(app.config, wanted)]

    configured = [
        "voice",
        "victim-support",
        "stop-hate-uk",
        "tell-mama",
        "cst",
        "galop",
        "citizens-advice",
    ]
    # Nothing asked for: the configured order, without the police (they are not support).
    assert codes([]) == configured
    assert codes(["nothing"]) == configured
    assert codes(["housing"]) == ["citizens-advice", *configured[:-1]]
    assert codes(["victim-service"])[:2] == ["voice", "victim-support"]
    assert codes(["victim-service"])[-2:] == ["stop-hate-uk", "citizens-advice"]
    assert codes(["housing", "talk"])[-1:] == codes(["talk"])[-1:] == ["citizens-advice"]
    assert codes(["housing", "talk"])[0] == "voice"


def test_the_start_page_says_this_is_not_a_police_report_unless_you_agree(client: Any) -> None:
    text = text_of(main_of(client.get("/").get_data(as_text=True)))
    assert "This is not a report to the police" in text
    assert "third-party reporting service" in text
    assert "We only share it with the police if you agree" in text
    assert "You can choose to share it without your contact details" in text
    # How to go to the police directly instead.
    assert "To report to the police yourself" in text
    assert "in an emergency, call 999" in text
    assert "when it is not an emergency, call Northamptonshire Police on 101" in text
    assert "report online on the Northamptonshire Police website" in text
    # Who reads it, and what happens next.
    assert (
        "Only authorised reviewing officers of the Northamptonshire Community Safety "
        "Partnership read reports" in text
    )
    assert "What happens next" in text


def test_the_start_page_names_the_support_services_and_links_to_them(client: Any) -> None:
    main = main_of(client.get("/").get_data(as_text=True))
    assert (
        "Organisations that can listen, advise and support you include Voice for Victims and "
        "Witnesses, Victim Support, Stop Hate UK, Tell MAMA, CST (Community Security Trust), "
        "Galop and Citizens Advice." in text_of(main)
    )
    assert links(main)["/support"] == "Get support"
    # Its links come after "Start now": after the skip link, the next Tab reaches the button.
    before_the_button = main[: main.index("<form")]
    assert "<a " not in before_the_button and "<button" not in before_the_button


def test_the_privacy_page_says_the_same_about_the_police(client: Any) -> None:
    text = text_of(main_of(client.get("/privacy").get_data(as_text=True)))
    assert "This is not a report to the police" in text
    assert "We share your report with the police only if you agreed to this" in text
    assert "without your contact details if that is what you chose" in text
    assert "authorised reviewing officers of the Northamptonshire Community Safety" in text


@pytest.mark.parametrize("path", ["/support", "/", "/privacy"])
def test_the_information_pages_have_one_h1_the_security_headers_and_nothing_third_party(
    client: Any, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert len(re.findall(r"<h1\b", page)) == 1
    headers = response.headers
    assert headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self';")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    # Links to other websites are fine; nothing is loaded from them, and nothing runs inline.
    assert not re.search(r'<(?:script|img|iframe|link)\b[^>]*(?:src|href)="(?:https?:)?//', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page and not re.search(r"\sstyle=", page)
