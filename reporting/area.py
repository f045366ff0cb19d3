"""The partnership's area: its districts, the hate strands it counts, and where people can get
support. The defaults of the DISTRICTS, DISTRICT_HINTS, HATE_STRANDS and SUPPORT_SERVICES
settings (config.py): a deployment for another area overrides them in its instance config."""

from __future__ import annotations

NORTHAMPTONSHIRE_DISTRICTS: list[tuple[str, str]] = [
    ("corby", "Corby"),
    ("east-northamptonshire", "East Northamptonshire"),
    ("kettering", "Kettering"),
    ("wellingborough", "Wellingborough"),
    ("daventry", "Daventry"),
    ("northampton", "Northampton"),
    ("south-northamptonshire", "South Northamptonshire"),
    ("outside", "Outside the county"),
    ("not-sure", "I'm not sure"),
]

# The seven areas stay the partnership's statistical areas (their codes never change); since
# 2021 they make up two councils, so each says its council and its main towns.
NORTHAMPTONSHIRE_DISTRICT_HINTS: dict[str, str] = {
    "corby": "North Northamptonshire: Corby, Weldon, Gretton, Cottingham",
    "east-northamptonshire": "North Northamptonshire: Rushden, Higham Ferrers, Irthlingborough, "
    "Raunds, Oundle, Thrapston",
    "kettering": "North Northamptonshire: Kettering, Burton Latimer, Desborough, Rothwell",
    "wellingborough": "North Northamptonshire: Wellingborough, Earls Barton, Finedon, Irchester",
    "daventry": "West Northamptonshire: Daventry, Brixworth, Long Buckby, Moulton, Woodford Halse",
    "northampton": "West Northamptonshire: Northampton",
    "south-northamptonshire": "West Northamptonshire: Towcester, Brackley, Roade, Deanshanger",
}

HATE_STRANDS: list[tuple[str, str]] = [
    ("race", "Race, ethnicity or nationality (including Gypsy, Roma and Traveller)"),
    ("religion", "Religion or belief"),
    ("disability", "Disability"),
    ("sexual-orientation", "Sexual orientation"),
    ("transgender", "Transgender identity"),
    ("sex-gender", "Sex or gender"),
    ("age", "Age"),
    ("subculture", "Alternative subculture"),
    ("other", "Something else"),
    ("not-sure", "I'm not sure"),
]


# Where people can get support, shown on /support and the start and confirmation pages. Each:
# code, name, purpose (what it is for), optional phone (as people write it), website and notes,
# kind ("police": the force's non-emergency contact; "local"; "national") and tags (the answers
# to "What support would help?" it offers: victim-service, housing, talk). Numbers are the
# services' publicly listed ones; a service whose number we could not confirm has none.
NORTHAMPTONSHIRE_SUPPORT_SERVICES: list[dict[str, str | list[str]]] = [
    {
        "code": "northamptonshire-police",
        "name": "Northamptonshire Police",
        "purpose": "To report a crime to the police when it is not an emergency.",
        "phone": "101",
        "website": "https://www.northants.police.uk",
        "notes": "If you are deaf or cannot speak, use Relay UK on 18001 101.",
        "kind": "police",
    },
    {
        "code": "voice",
        "name": "Voice for Victims and Witnesses",
        "purpose": "Free, confidential support in Northamptonshire for victims and witnesses "
        "of crime, whether or not you have told the police.",
        "website": "https://www.voicenorthants.org",
        "kind": "local",
        "tags": ["victim-service", "talk"],
    },
    {
        "code": "victim-support",
        "name": "Victim Support",
        "purpose": "Free, confidential support for anyone affected by crime, whether or not "
        "you have told the police.",
        "phone": "08 08 16 89 111",
        "website": "https://www.victimsupport.org.uk",
        "notes": "Free to call, 24 hours a day.",
        "kind": "national",
        "tags": ["victim-service", "talk"],
    },
    {
        "code": "stop-hate-uk",
        "name": "Stop Hate UK",
        "purpose": "Support for anyone affected by any kind of hate crime or hate incident.",
        "website": "https://www.stophateuk.org",
        "notes": "Their website lists the ways to contact them where you live.",
        "kind": "national",
        "tags": ["talk"],
    },
    {
        "code": "tell-mama",
        "name": "Tell MAMA",
        "purpose": "Support for anyone affected by anti-Muslim hate.",
        "phone": "0800 456 1226",
        "website": "https://tellmamauk.org",
        "kind": "national",
        "tags": ["victim-service", "talk"],
    },
    {
        "code": "cst",
        "name": "CST (Community Security Trust)",
        "purpose": "Support for anyone affected by antisemitism.",
        "phone": "0800 032 3263",
        "website": "https://cst.org.uk",
        "notes": "24 hours a day.",
        "kind": "national",
        "tags": ["victim-service", "talk"],
    },
    {
        "code": "galop",
        "name": "Galop",
        "purpose": "Support for LGBT+ people who have experienced hate crime, abuse or violence.",
        "phone": "0800 999 5428",
        "website": "https://galop.org.uk",
        "kind": "national",
        "tags": ["victim-service", "talk"],
    },
    {
        "code": "citizens-advice",
        "name": "Citizens Advice",
        "purpose": "Free advice on housing, money, work and your rights, including discrimination.",
        "phone": "0800 144 8848",
        "website": "https://www.citizensadvice.org.uk",
        "notes": "Adviceline for England.",
        "kind": "national",
        "tags": ["housing"],
    },
]
