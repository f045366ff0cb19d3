"""Reporting centres in a browser: an admin adds one with the keyboard-usable GOV.UK form, and
the public finds it, with JavaScript on or off; axe-core finds nothing on any of these pages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_browser_workspace import (
    PHONE,
    AxeAudit,
    Workspace,
    click,
    error_messages,
    error_summary_focused,
    follow,
    heading,
    main_text,
    settled,
    visit,
    workspace,  # noqa: F401 (the fixture)
)


@pytest.mark.browser
def test_admin_adds_a_centre_and_the_public_finds_it(workspace: Workspace) -> None:  # noqa: F811
    audit = AxeAudit()
    today = dt.date.today()

    public = workspace.open(PHONE)
    visit(public, "/")
    follow(public, "find a reporting centre")
    assert heading(public) == "Find a reporting centre"
    assert "There are no reporting centres listed at the moment." in main_text(public)
    audit("directory: none listed", public)

    admin = workspace.user("admin", can_open_reports=True)
    page = workspace.signed_in(admin)
    visit(page, "/staff/admin/")
    follow(page, "Reporting centres")
    assert heading(page) == "Reporting centres"
    audit("admin: centres, none yet", page)
    click(page, "Add a reporting centre")
    assert heading(page) == "Add a reporting centre"
    audit("admin: add a centre", page)
    form = page.locator("main form")
    form.get_by_label("Name of the organisation", exact=True).fill("Kettering Library")
    form.get_by_label("Website (optional)", exact=True).fill("javascript:alert(1)")
    assert click(page, "Save centre").status == 400
    assert error_summary_focused(page)
    assert "Select the kind of organisation" in error_messages(page)
    assert (
        form.get_by_label("Name of the organisation", exact=True).input_value()
        == "Kettering Library"
    )
    audit("admin: add a centre, error state", page)

    form = page.locator("main form")
    form.get_by_role("radio", name="Library").check()
    form.get_by_role("checkbox", name="Kettering").check()
    form.get_by_label("Address (optional)", exact=True).fill("Sheep Street\nKettering")
    form.get_by_label("Phone number (optional)", exact=True).fill("01536 123456")
    form.get_by_label("Website (optional)", exact=True).fill("https://library.example.org")
    form.get_by_label("Help offered (optional)", exact=True).fill("A quiet room and help to report")
    form.get_by_role("radio", name="Yes").check()
    dates = form.locator("#listing_checked_on-day").locator("xpath=ancestor::fieldset")
    dates.get_by_label("Day").fill(str(today.day))
    dates.get_by_label("Month").fill(str(today.month))
    dates.get_by_label("Year").fill(str(today.year))
    assert click(page, "Save centre").ok
    assert heading(page) == "Reporting centres"
    assert "Kettering Library added" in main_text(page)
    audit("admin: centres, one added", page)
    follow(page, "Kettering Library")
    assert heading(page) == "Edit Kettering Library"
    audit("admin: edit a centre", page)

    for javascript in (True, False):
        public = workspace.open(PHONE, java_script_enabled=javascript)
        public.goto("/find-a-reporting-centre")
        if javascript:
            settled(public)
        text = main_text(public)
        assert "Kettering" in text and "Kettering Library" in text
        assert "Sheep Street" in text and "01536 123456" in text
        if javascript:
            audit("directory: one centre", public)

    audit.assert_none()
