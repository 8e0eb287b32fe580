"""Lists for the demo dataset: accounts, partner organisations, tags and people's details.

Everything here is invented. Email addresses use the reserved example.com and example.org
domains, so nothing in the demo can reach a real inbox.
"""

from __future__ import annotations

from crm.models.enums import OrganisationType, PersonType, Role

ACCOUNTS = [
    (Role.ADMIN, "admin@demo.example", "Priya Shah"),
    (Role.MANAGER, "manager@demo.example", "Helen Carter"),
    (Role.COORDINATOR, "coordinator@demo.example", "Sam Okafor"),
    (Role.CHAMPION, "champion@demo.example", "Jade Turner"),
]

# name, type, notes, job titles its staff hold
ORGANISATIONS = [
    (
        "A Better Start Southend",
        OrganisationType.VOLUNTARY,
        "Ten-year early-years programme funded by The National Lottery Community Fund.",
        ["Co-production Lead", "Parent Champions Coordinator", "Programme Manager", "Communications Officer"],
    ),
    (
        "Southend-on-Sea City Council",
        OrganisationType.COUNCIL,
        "Children's centres, early help and public health.",
        [
            "Community Development Officer",
            "Early Help Family Support Worker",
            "Public Health Officer",
            "Children's Centre Manager",
        ],
    ),
    (
        "Southend Association of Voluntary Services (SAVS)",
        OrganisationType.VOLUNTARY,
        "The council for voluntary services in Southend.",
        ["Volunteer Coordinator", "Community Development Officer"],
    ),
    (
        "University of Essex",
        OrganisationType.UNIVERSITY,
        "Evaluation partner for the programme.",
        ["Research Fellow", "Senior Lecturer in Health and Social Care"],
    ),
    (
        "YMCA Southend",
        OrganisationType.VOLUNTARY,
        "Youth work and family support.",
        ["Youth Worker", "Family Support Worker"],
    ),
    (
        "Mid and South Essex NHS Foundation Trust",
        OrganisationType.NHS,
        "Maternity and health visiting.",
        ["Health Visitor", "Community Midwife", "Infant Feeding Lead"],
    ),
    (
        "Essex Partnership University NHS Foundation Trust",
        OrganisationType.NHS,
        "Speech and language therapy and perinatal mental health.",
        ["Speech and Language Therapist", "Perinatal Mental Health Practitioner", "Clinical Psychologist"],
    ),
    (
        "Little Acorns Pre-school",
        OrganisationType.EARLY_YEARS,
        None,
        ["Early Years Practitioner", "Special Educational Needs Coordinator (SENCo)"],
    ),
    ("Seaside Day Nursery", OrganisationType.EARLY_YEARS, None, ["Nursery Manager", "Early Years Practitioner"]),
    ("Pier View Nursery", OrganisationType.EARLY_YEARS, None, ["Early Years Practitioner", "Room Leader"]),
]

TAGS = {
    "interest": [
        "Speech and language",
        "Healthy eating",
        "Outdoor play",
        "Mental health",
        "Breastfeeding",
        "Sleep",
        "Reading together",
        "Dads' groups",
        "Early years settings",
        "Money and debt advice",
    ],
    "lived_experience": [
        "Single parent",
        "Neurodivergent child",
        "Premature baby",
        "English as an additional language",
        "Postnatal depression",
        "Young parent",
        "Kinship carer",
        "Disabled parent",
    ],
    "skill": [
        "Facilitation",
        "Graphic design",
        "Translation",
        "Social media",
        "Public speaking",
        "Photography",
        "Peer support",
        "Interviewing",
    ],
    "language": [
        "Polish",
        "Urdu",
        "Romanian",
        "Bengali",
        "Lithuanian",
        "Arabic",
        "British Sign Language",
    ],
}

# How many people have each combination of types; 120 in all.
TYPE_MIX = [
    ((PersonType.PARENT_CHAMPION, PersonType.PARENT_CARER), 20),
    ((PersonType.PARENT_CARER,), 48),
    ((PersonType.PARENT_CARER, PersonType.VOLUNTEER), 6),
    ((PersonType.VOLUNTEER,), 8),
    ((PersonType.PROFESSIONAL,), 20),
    ((PersonType.PROFESSIONAL, PersonType.PARENT_CARER), 2),
    ((PersonType.YOUNG_PERSON,), 7),
    ((PersonType.COMMUNITY_MEMBER,), 9),
]

# Residents whose first language is not English: first name, last name, language.
COMMUNITY_NAMES = [
    ("Agnieszka", "Nowak", "Polish"),
    ("Katarzyna", "Wiśniewska", "Polish"),
    ("Tomasz", "Kowalski", "Polish"),
    ("Marta", "Zielińska", "Polish"),
    ("Ioana", "Popescu", "Romanian"),
    ("Andreea", "Ionescu", "Romanian"),
    ("Mihai", "Dumitru", "Romanian"),
    ("Nusrat", "Ahmed", "Bengali"),
    ("Shirin", "Begum", "Bengali"),
    ("Rahim", "Uddin", "Bengali"),
    ("Ayesha", "Khan", "Urdu"),
    ("Sana", "Iqbal", "Urdu"),
    ("Imran", "Hussain", "Urdu"),
    ("Rūta", "Kazlauskienė", "Lithuanian"),
    ("Layla", "Haddad", "Arabic"),
]

PREFERRED_NAMES = {
    "Elizabeth": "Beth",
    "Katherine": "Kate",
    "Rebecca": "Becky",
    "Samantha": "Sam",
    "Jennifer": "Jen",
    "Christopher": "Chris",
    "Michael": "Mike",
    "Daniel": "Dan",
    "Victoria": "Vicky",
    "Margaret": "Maggie",
    "Katarzyna": "Kasia",
    "Andreea": "Andi",
}

# The postcode district (outward code) of each Southend ward.
WARD_DISTRICTS = {
    "Belfairs": "SS9",
    "Blenheim Park": "SS9",
    "Chalkwell": "SS0",
    "Eastwood Park": "SS9",
    "Kursaal": "SS1",
    "Leigh": "SS9",
    "Milton": "SS0",
    "Prittlewell": "SS2",
    "St Laurence": "SS2",
    "St Luke's": "SS2",
    "Shoeburyness": "SS3",
    "Southchurch": "SS1",
    "Thorpe": "SS1",
    "Victoria": "SS2",
    "West Leigh": "SS9",
    "West Shoebury": "SS3",
    "Westborough": "SS0",
}
# People who live just outside the borough (Rochford, Rayleigh, Benfleet, Canvey): no ward.
OUT_OF_BOROUGH_DISTRICTS = ["SS4", "SS5", "SS6", "SS7", "SS8"]
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Mobile prefixes in the UK numbering plan (none in Ofcom's drama range, which fails validation).
MOBILE_PREFIXES = [
    "07911",
    "07912",
    "07932",
    "07940",
    "07956",
    "07961",
    "07973",
    "07984",
    "07515",
    "07534",
    "07572",
    "07747",
    "07766",
    "07801",
    "07828",
    "07852",
    "07873",
    "07398",
    "07415",
    "07496",
]
LANDLINE_PREFIX = "01702"

OTHER_NEEDS = [
    "Prefers information in Easy Read",
    "Uses a hearing loop",
    "Needs a break every hour",
    "Brings a buggy: needs space near the door",
    "Prefers texts to phone calls",
    "Needs a British Sign Language interpreter",
    "Sessions after school pick-up are hard",
]

NOTES = [
    "Met at the Kursaal Library stay and play.",
    "Interested in becoming a Parent Champion.",
    "Happy to be a buddy for new parents joining the panel.",
    "Prefers evening online sessions.",
    "Referred by her health visitor.",
    "Runs a dads' walking group in Leigh.",
]

CONSENT_WORDING = {
    "paper": "I agree that A Better Start Southend can contact me by phone, text or email about "
    "co-production opportunities. I can change my mind at any time. "
    "(Paper registration form, version 3)",
    "online": "Yes, please contact me about opportunities to get involved. I understand I can "
    "ask to stop at any time. (Online sign-up form)",
    "verbal": "Agreed verbally to be contacted about future sessions after the privacy notice was read out.",
}
PHOTO_WORDING = "I agree that photographs of me taken at sessions may be used in reports and on social media."
QUOTE_WORDING = "I agree that my words may be quoted, without my name, in reports to the board and funders."
SHARING_WORDING = "I agree that my contact details may be shared with the University of Essex for the evaluation."

# Four of these joined with "-" make the demo accounts' password.
_WORDS = (
    "acorn anchor apple badger barley beacon berry bramble breeze bucket cabin candle canoe "
    "castle cedar clover cobble comet coral cotton cricket crystal daisy dolphin dune ember "
    "estuary falcon fern ferry fiddle finch forest fossil garden ginger glacier harbour hazel "
    "heron hollow honey island ivy jetty kestrel kettle lantern lark lemon lighthouse linen "
    "maple marble meadow mermaid minnow moon mussel nettle oak orchard otter oyster paddle "
    "pebble pepper pier pine plover pollen poppy puffin quarry quill rainbow raven reef ripple "
    "robin rockpool saffron sail sandcastle seagull shell shingle sparrow spruce starfish "
    "stream sunrise swallow thistle tide timber toffee tulip velvet violet walnut wave wharf "
    "willow winkle wren yacht yarrow"
)
PASSPHRASE_WORDS = _WORDS.split()
