"""The journey's choices: each choice question's options, and what is said beside them."""

from __future__ import annotations

from .answers import Answers, wants_contact
from .fields import Choices

YES_NO: Choices = [("yes", "Yes"), ("no", "No")]
YES_NO_DONT_KNOW: Choices = [("yes", "Yes"), ("no", "No"), ("dont-know", "I don't know")]

INCIDENT_TYPES: Choices = [
    ("verbal", "Verbal abuse or insults"),
    ("threats", "Threats"),
    ("physical", "Physical attack"),
    ("damage", "Damage to property or graffiti"),
    ("online", "Online abuse"),
    ("messages", "Letters, leaflets or messages"),
    ("harassment", "Harassment or bullying"),
    ("theft", "Theft"),
    ("other", "Something else"),
]
REPORTER_TYPES: Choices = [
    ("victim", "The person it happened to"),
    ("witness", "A witness"),
    ("someone-else", "On behalf of someone I know"),
]
TIME_OF_DAY: Choices = [
    ("morning", "Morning (6am to 12 noon)"),
    ("afternoon", "Afternoon (12 noon to 6pm)"),
    ("evening", "Evening (6pm to midnight)"),
    ("night", "Night (midnight to 6am)"),
    ("dont-know", "I don't know"),
]
STILL_HAPPENING: Choices = [
    ("once", "No, it happened once"),
    ("before", "It has happened before"),
    ("ongoing", "Yes, it is still happening"),
]
PLACE_TYPES: Choices = [
    ("home", "At or near a home"),
    ("street", "In the street"),
    ("transport", "On public transport or at a station"),
    ("shop", "In a shop"),
    ("pub", "In a pub, bar or restaurant"),
    ("education", "At a school, college or university"),
    ("work", "At work"),
    ("worship", "At a place of worship"),
    ("park", "In a park or open space"),
    ("online", "Online"),
    ("other", "Somewhere else"),
]
HOW_MANY: Choices = [
    ("one", "One person"),
    ("two-to-four", "2 to 4 people"),
    ("five-or-more", "5 or more people"),
    ("dont-know", "I don't know"),
]
SUPPORT: Choices = [
    ("victim-service", "Support from a victim service"),
    ("housing", "Help with housing"),
    ("talk", "Someone to talk to"),
    ("nothing", "Nothing right now"),
]
SHARE_POLICE: Choices = [
    ("with-details", "Yes, with my contact details"),
    ("without-details", "Yes, without my contact details"),
    ("no", "No, do not share it with the police"),
]
# Without contact details to share, "yes" can only mean without them (same stored code).
SHARE_POLICE_NO_CONTACT: Choices = [
    ("without-details", "Yes"),
    ("no", "No, do not share it with the police"),
]
SHARE_SUPPORT: Choices = [("yes", "Yes"), ("no", "No")]
CONTACT: Choices = [
    ("receipt", "No, do not contact me"),
    ("email", "Yes, by email"),
    ("phone", "Yes, by phone"),
]
AGE_BANDS: Choices = [
    ("under-18", "Under 18"),
    ("18-24", "18 to 24"),
    ("25-34", "25 to 34"),
    ("35-44", "35 to 44"),
    ("45-54", "45 to 54"),
    ("55-64", "55 to 64"),
    ("65-plus", "65 or over"),
    ("prefer-not", "Prefer not to say"),
]
DISABILITY: Choices = [("yes", "Yes"), ("no", "No"), ("prefer-not", "Prefer not to say")]

# What happens if the person says yes, shown beside each sharing choice (FORM.md 14).
_POLICE_HINTS = {
    "with-details": "We send your report to the police with your contact details, so they "
    "can investigate and contact you.",
    "without-details": "We send your report to the police without your name or contact "
    "details. They can use it to spot patterns and plan patrols, but they cannot contact you "
    "about it.",
    "no": "Only the partnership's reviewing officers read it. It is not a police report.",
}
_SUPPORT_HINTS = {
    True: {
        "yes": "A support service, such as Victim Support, can contact you to offer help, "
        "using the contact details you gave us.",
        "no": "We will not pass your report to a support service.",
    },
    False: {
        "yes": "We pass your report to a support service without any contact details, so they "
        "cannot contact you. You can contact them yourself: see \u201cGet support\u201d.",
        "no": "We will not pass your report to a support service.",
    },
}


def choice_hints(name: str, answers: Answers) -> dict[str, str] | None:
    """Hints shown beside the choices of the field ``name``, if it has any."""
    if name == "share_with_police":
        return _POLICE_HINTS
    if name == "share_with_support":
        return _SUPPORT_HINTS[wants_contact(answers)]
    return None


EXCLUSIVE_CHOICES = {"strands": "not-sure"}

ANONYMITY_HINT = (
    "Anything you write here could identify someone. Leave names out if you want to stay anonymous."
)
PREFER_NOT = "Leave blank if you prefer not to say."
