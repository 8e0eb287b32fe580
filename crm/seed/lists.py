"""Word lists and proportions for the synthetic dataset (the demo's lists supply the rest)."""

from __future__ import annotations

from crm.models.enums import (
    ContributionKind,
    OrganisationType,
    ParticipationRole,
    ParticipationSource,
    ParticipationStatus,
    PersonType,
    SessionKind,
)

EXTRA_TAGS = {
    "interest": ["Digital inclusion", "Housing", "Special educational needs"],
    "lived_experience": ["Care leaver", "Armed forces family"],
    "skill": ["Writing", "Video editing"],
    "language": ["Portuguese"],
}
PLACES = [
    "Leigh",
    "Westcliff",
    "Prittlewell",
    "Southchurch",
    "Shoeburyness",
    "Thorpe Bay",
    "Eastwood",
    "Chalkwell",
    "Hadleigh",
    "Rochford",
    "Rayleigh",
    "Benfleet",
    "Canvey",
    "Hamlet Court",
    "Belfairs",
    "Kursaal",
]
ORGANISATION_KINDS = [
    ("{} Primary School", OrganisationType.EARLY_YEARS, ["Reception Teacher", "Family Liaison Officer"]),
    ("{} Day Nursery", OrganisationType.EARLY_YEARS, ["Nursery Manager", "Early Years Practitioner"]),
    ("{} Children's Centre", OrganisationType.COUNCIL, ["Children's Centre Manager", "Family Support Worker"]),
    ("{} Medical Centre", OrganisationType.NHS, ["Practice Nurse", "Social Prescriber"]),
    ("{} Foodbank", OrganisationType.VOLUNTARY, ["Project Coordinator", "Volunteer Coordinator"]),
    ("{} Community Church", OrganisationType.OTHER, ["Community Worker", "Toddler Group Leader"]),
    ("{} Baby Bank", OrganisationType.VOLUNTARY, ["Coordinator"]),
    ("{} Family Hub", OrganisationType.COUNCIL, ["Family Hub Manager", "Early Help Worker"]),
    ("{} Soft Play", OrganisationType.BUSINESS, ["Owner", "Manager"]),
]
EVENTS = [
    ("Who's the Expert? {}", "The annual conference, planned with Parent Champions.", "conference"),
    ("Co-production Week {}", "Nine sessions over five days for National Co-production Week.", "week"),
]
CANCEL_REASONS = [
    "Venue closed at short notice.",
    "Facilitator unwell; moved to next month.",
    "Too few sign-ups; merged with the next session.",
    "Clashed with the school holidays.",
]
INTERPRETER_LANGUAGES = ["Polish", "Urdu", "Romanian", "Bengali", "Lithuanian", "Arabic", "Portuguese"]
SUMMARIES = {
    ContributionKind.IDEA: [
        "Suggested holding sessions after school pick-up so more parents can come.",
        "Proposed a WhatsApp group for new parents in the area.",
        "Asked for the leaflet to use pictures as well as words.",
    ],
    ContributionKind.LIVED_EXPERIENCE: [
        "Shared what it was like to wait months for a speech and language assessment.",
        "Talked about feeling isolated in the first weeks after birth.",
        "Described the difference a health visitor's home visit made.",
    ],
    ContributionKind.FEEDBACK: [
        "The room was hard to reach with a buggy.",
        "Would like the slides sent before the session.",
        "The creche made it possible to take part.",
    ],
    ContributionKind.CO_DESIGNED_MATERIAL: [
        "Drafted the welcome pack's page on free activities.",
        "Designed the poster for the dads' group.",
    ],
    ContributionKind.FACILITATION: ["Co-facilitated the small-group discussion."],
    ContributionKind.PRESENTATION: ["Presented the Parent Champions' year in review."],
    ContributionKind.RAPPORTEUR_NOTES: ["Took notes for the table and fed back to the room."],
    ContributionKind.PEER_SUPPORT: ["Buddied a parent who was new to the group."],
}
ACTED_ON = [
    "Sessions now start at 3.30pm.",
    "The leaflet was redesigned with pictures.",
    "Step-free venue booked from the next session.",
]
NOT_TAKEN_FORWARD = ["Not affordable this year; kept on the list.", "Outside what the partners can change."]

# (value, weight) lists, turned into cumulative tables once.
Status, Role, Source = ParticipationStatus, ParticipationRole, ParticipationSource
STATUSES = {
    "past": [
        (Status.ATTENDED, 80),
        (Status.APOLOGIES, 7),
        (Status.NO_SHOW, 6),
        (Status.DECLINED, 3),
        (Status.REGISTERED, 2),
        (Status.INVITED, 2),
    ],
    "future": [(Status.INVITED, 45), (Status.REGISTERED, 45), (Status.DECLINED, 6), (Status.APOLOGIES, 4)],
    "cancelled": [(Status.REGISTERED, 60), (Status.INVITED, 25), (Status.DECLINED, 15)],
}
ROLES = [(Role.PARTICIPANT, 92), (Role.FACILITATOR, 3), (Role.SPEAKER, 1), (Role.RAPPORTEUR, 2), (Role.ORGANISER, 2)]
ONLINE_SOURCES = [(Source.TEAMS, 50), (Source.ZOOM, 30), (Source.REGISTER, 20)]
IN_PERSON_SOURCES = [(Source.REGISTER, 70), (Source.MANUAL, 20), (Source.CSV, 5), (Source.EVENTBRITE, 5)]
KINDS = [
    (SessionKind.CO_DESIGN_WORKSHOP, 30, 1.0),
    (SessionKind.FOCUS_GROUP, 15, 0.7),
    (SessionKind.PANEL, 8, 2.0),
    (SessionKind.STEERING_GROUP, 8, 0.6),
    (SessionKind.TRAINING, 10, 1.2),
    (SessionKind.CONSULTATION, 10, 2.5),
    (SessionKind.MEETING, 14, 1.0),
    (SessionKind.OTHER, 5, 1.0),
]

# (value, weight): how many people are in each tier, and what types people in the wider tiers have.
TIERS = [("champion", 3), ("regular", 12), ("occasional", 75), ("never", 10)]
OCCASIONAL_COUNTS = [(1, 45), (2, 25), (3, 15), (4, 7), (5, 4), (6, 2), (7, 1), (8, 1)]
PERSON_TYPES = [
    ((PersonType.PARENT_CARER,), 50),
    ((PersonType.PROFESSIONAL,), 14),
    ((PersonType.COMMUNITY_MEMBER,), 15),
    ((PersonType.VOLUNTEER,), 6),
    ((PersonType.PARENT_CARER, PersonType.VOLUNTEER), 5),
    ((PersonType.PROFESSIONAL, PersonType.PARENT_CARER), 2),
    ((PersonType.YOUNG_PERSON,), 8),
]
TAG_COUNTS = [(0, 25), (1, 30), (2, 25), (3, 13), (4, 7)]
TAG_CATEGORIES = [("interest", 55), ("lived_experience", 20), ("skill", 17), ("language", 8)]
# How wide a stretch of the whole timeline each tier's sessions fall in (fractions).
WINDOWS = {"champion": (0.4, 1.0), "regular": (0.15, 0.6), "occasional": (0.01, 0.08), "never": (0.0, 0.01)}
