"""Information pages of the journey: where to get support, and the police contacts.

The services come from the ``SUPPORT_SERVICES`` setting, so each deployment lists its own local
services. The setting is checked when the app is built: a typo in a deployment's JSON stops
start-up instead of breaking the support page, or linking somewhere that is not a website.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask.blueprints import BlueprintSetupState

from ..config import ConfigError
from . import bp

KINDS = ("police", "local", "national")
_FIELDS = {"code", "name", "purpose", "phone", "website", "notes", "kind", "tags"}
_REQUIRED = ("code", "name", "purpose")
# What a person can dial: digits and spaces, perhaps a leading +. The tel: link drops spaces.
_PHONE = re.compile(r"\+?[0-9][0-9 ]{1,30}")
# Only plain web addresses: never javascript:, data: or a relative link into this site.
_WEBSITE = re.compile(r"https?://[a-z0-9.-]+\.[a-z]{2,}(?:[/?#]\S*)?", re.IGNORECASE)


@dataclass(frozen=True)
class SupportService:
    """One organisation a person can contact, as the support pages show it."""

    code: str
    name: str
    purpose: str
    kind: str
    phone: str | None = None
    website: str | None = None
    notes: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def tel_href(self) -> str | None:
        return tel_href(self.phone) if self.phone else None

    @property
    def website_text(self) -> str | None:
        """The address without its scheme or a trailing slash, as people write it."""
        if not self.website:
            return None
        return re.sub(r"^https?://", "", self.website).rstrip("/")


def tel_href(number: str) -> str:
    """A ``tel:`` link for a number as people write it ("08 08 16 89 111")."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def parse_services(raw: Any) -> list[SupportService]:
    """The ``SUPPORT_SERVICES`` setting as services; ConfigError says what is wrong with it."""
    if not isinstance(raw, (list, tuple)):
        raise ConfigError("SUPPORT_SERVICES must be a list of services (JSON objects).")
    services = [_parse_service(i, entry) for i, entry in enumerate(raw)]
    codes = [service.code for service in services]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ConfigError(f"SUPPORT_SERVICES lists the code {duplicates[0]!r} more than once.")
    return services


def _parse_service(index: int, entry: Any) -> SupportService:
    where = f"SUPPORT_SERVICES[{index}]"
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where} must be an object with a code, name and purpose.")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise ConfigError(f"{where} has unknown fields {unknown}; known: {sorted(_FIELDS)}.")
    for key in _FIELDS - {"tags"}:
        value = entry.get(key)
        if key in _REQUIRED and not value:
            raise ConfigError(f"{where} has no {key}.")
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be text.")
    kind = entry.get("kind") or "national"
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {list(KINDS)}, not {kind!r}.")
    phone = entry.get("phone") or None
    if phone is not None and not _PHONE.fullmatch(phone):
        raise ConfigError(f"{where}: phone must be digits and spaces, such as '0800 123 4567'.")
    website = entry.get("website") or None
    if website is not None and not _WEBSITE.fullmatch(website):
        raise ConfigError(f"{where}: website must be an https:// or http:// address.")
    tags = entry.get("tags") or []
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise ConfigError(f"{where}: tags must be a list of support answer codes.")
    return SupportService(
        code=entry["code"],
        name=entry["name"],
        purpose=entry["purpose"],
        kind=kind,
        phone=phone,
        website=website,
        notes=entry.get("notes") or None,
        tags=tuple(tags),
    )


def services_for(
    config: Mapping[str, Any], wanted_support_codes: Iterable[str] = ()
) -> list[SupportService]:
    """The support services (not the police), those offering what was asked for first.

    ``wanted_support_codes`` are the answers to "What support would help?" (``victim-service``,
    ``housing``, ``talk``, ``nothing``). Otherwise the configured order is kept.
    """
    wanted = set(wanted_support_codes)
    services = [s for s in parse_services(config["SUPPORT_SERVICES"]) if s.kind != "police"]
    return sorted(services, key=lambda service: not wanted.intersection(service.tags))


def services_of_kind(config: Mapping[str, Any], *kinds: str) -> list[SupportService]:
    """The configured services of these kinds, in the configured order."""
    return [s for s in parse_services(config["SUPPORT_SERVICES"]) if s.kind in kinds]


@bp.app_template_global()
def support_services(*kinds: str) -> list[SupportService]:
    """For templates: ``support_services("police")`` is how to reach the deployment's force."""
    return services_of_kind(current_app.config, *kinds)


def _check_setting(state: BlueprintSetupState) -> None:
    parse_services(state.app.config["SUPPORT_SERVICES"])


bp.record_once(_check_setting)


@bp.get("/support")
def support() -> str:
    config = current_app.config
    return render_template(
        "journey/support.html",
        title="Get support",
        police=services_of_kind(config, "police"),
        local_services=services_of_kind(config, "local"),
        national_services=services_of_kind(config, "national"),
    )
