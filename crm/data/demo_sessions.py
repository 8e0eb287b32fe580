"""Events and sessions for the demo dataset. Times are "HH:MM-HH:MM"; themes are the names the first
migration seeds (a theme an administrator has renamed is left blank); organisers are names from
demo_people.ORGANISATIONS."""

from __future__ import annotations

from crm.models.enums import InvolvementLevel, SessionFormat, SessionKind

# Short names keep each session on one line.
WORKSHOP, FOCUS, PANEL = SessionKind.CO_DESIGN_WORKSHOP, SessionKind.FOCUS_GROUP, SessionKind.PANEL
KEYNOTE, BREAKOUT, STEERING = SessionKind.KEYNOTE, SessionKind.BREAKOUT, SessionKind.STEERING_GROUP
TRAINING, CONSULT, MEETING = SessionKind.TRAINING, SessionKind.CONSULTATION, SessionKind.MEETING
INFORMING, CONSULTING = InvolvementLevel.INFORMING, InvolvementLevel.CONSULTING
ENGAGING, CO_DESIGNING = InvolvementLevel.ENGAGING, InvolvementLevel.CO_DESIGNING
CO_PRODUCING = InvolvementLevel.CO_PRODUCING
IN_PERSON, ONLINE, HYBRID = SessionFormat.IN_PERSON, SessionFormat.ONLINE, SessionFormat.HYBRID

CL, DN, SE, CR, SC = (
    "Communication and language",
    "Diet and nutrition",
    "Social and emotional development",
    "Community resilience",
    "Systems change",
)
ABSS = "A Better Start Southend"
COUNCIL = "Southend-on-Sea City Council"
SAVS = "Southend Association of Voluntary Services (SAVS)"
UNI = "University of Essex"
YMCA = "YMCA Southend"
MSE = "Mid and South Essex NHS Foundation Trust"
EPUT = "Essex Partnership University NHS Foundation Trust"

LOCATIONS = [
    "The Forum, Southend",
    "Kursaal Library",
    "Shoeburyness Community Centre",
    "Leigh Community Centre",
    "Southchurch Hall Gardens pavilion",
    "Westcliff Library",
    "Friars Children's Centre",
    "Centre Place Children's Centre",
    "YMCA Southend, Newlands Road",
    "Eastwood Community Centre",
]

CONFERENCE = {
    "name": "Who's the Expert? 2019",
    "description": "A Better Start Southend's annual conference, planned with Parent Champions: "
    "parents and professionals learning from each other.",
    "date": "2019-10-17",
    "location": "The Forum, Southend",
    # title, kind, theme, level, "start-end", room
    "sessions": [
        ("Welcome and introduction", KEYNOTE, SC, INFORMING, "09:30-09:50", "Lecture theatre"),
        (
            "Keynote: Parents are the experts in their own lives",
            KEYNOTE,
            SC,
            INFORMING,
            "09:50-10:40",
            "Lecture theatre",
        ),
        ("Breakout: Chatterbox, talking with your baby", BREAKOUT, CL, CONSULTING, "11:00-12:00", "Room 1"),
        ("Breakout: Healthy start, healthy families", BREAKOUT, DN, CONSULTING, "11:00-12:00", "Room 2"),
        ("Breakout: Dads matter too", BREAKOUT, SE, ENGAGING, "11:00-12:00", "Room 3"),
        ("Breakout: Building a kinder Southend", BREAKOUT, CR, ENGAGING, "13:00-14:00", "Room 1"),
        ("Breakout: What makes a good children's centre?", BREAKOUT, SC, CONSULTING, "13:00-14:00", "Room 2"),
        ("Breakout: Feeling low after birth, what helped", BREAKOUT, SE, ENGAGING, "13:00-14:00", "Room 3"),
        ("Panel: Ask the Parent Champions", PANEL, CR, ENGAGING, "14:15-15:00", "Lecture theatre"),
        ("Closing keynote: From listening to doing", KEYNOTE, SC, INFORMING, "15:00-15:30", "Lecture theatre"),
    ],
}

COPRO_WEEK = {
    "name": "Co-production Week 2020",
    "description": "Nine online sessions over five days for National Co-production Week, "
    "celebrating what parents and partners made together.",
    "monday": "2020-06-29",
    # day (0 is Monday), title, kind, theme, level, "start-end"
    "sessions": [
        (0, "Opening: what co-production means in Southend", KEYNOTE, SC, INFORMING, "10:00-11:00"),
        (0, "Co-designing Chatterbox online", WORKSHOP, CL, CO_DESIGNING, "19:00-20:30"),
        (1, "Cooking on a budget in lockdown", FOCUS, DN, CONSULTING, "10:00-11:30"),
        (1, "Parent Champions: sharing our stories", PANEL, CR, ENGAGING, "19:00-20:00"),
        (2, "Staying connected while apart", WORKSHOP, SE, CO_DESIGNING, "10:00-11:30"),
        (2, "Working with parents: staff training", TRAINING, SC, INFORMING, "14:00-15:30"),
        (3, "Outdoor play when parks reopen", FOCUS, CR, CONSULTING, "10:00-11:00"),
        (3, "Reviewing the parent welcome pack", WORKSHOP, CL, CO_PRODUCING, "19:00-20:30"),
        (4, "Celebration and what happens next", MEETING, SC, ENGAGING, "10:00-11:30"),
    ],
}

# Held again and again: title, kind, theme, level, format, organiser, every n months, first month
RECURRING = [
    ("Parent Champions steering group", STEERING, SC, CO_PRODUCING, HYBRID, ABSS, 3, 0),
    ("Parent Champions induction training", TRAINING, CR, INFORMING, IN_PERSON, ABSS, 6, 2),
    ("Maternity Voices panel", PANEL, SE, ENGAGING, ONLINE, MSE, 4, 1),
]

# One-off work, taken in order month by month: title, kind, theme, level, format, organiser
PROGRAMME = [
    ("Talking with your baby: co-designing the Chatterbox sessions", WORKSHOP, CL, CO_DESIGNING, IN_PERSON, EPUT),
    ("Healthy lunchboxes focus group", FOCUS, DN, CONSULTING, IN_PERSON, COUNCIL),
    ("Designing the new baby welcome bag", WORKSHOP, SE, CO_DESIGNING, IN_PERSON, MSE),
    ("Dads' views on antenatal classes", FOCUS, SE, CONSULTING, ONLINE, MSE),
    ("Story sacks: making them together", WORKSHOP, CL, CO_PRODUCING, IN_PERSON, ABSS),
    ("Infant feeding support: what would have helped?", FOCUS, DN, CONSULTING, IN_PERSON, MSE),
    ("Community fridge: planning group", WORKSHOP, CR, CO_PRODUCING, IN_PERSON, SAVS),
    ("Evaluation findings: you said, we did", MEETING, SC, INFORMING, ONLINE, UNI),
    ("Perinatal mental health leaflet review", CONSULT, SE, CONSULTING, ONLINE, EPUT),
    ("Outdoor play spaces in Shoeburyness", WORKSHOP, CR, CO_DESIGNING, IN_PERSON, COUNCIL),
    ("Speech and language drop-in: shaping the service", WORKSHOP, CL, CO_DESIGNING, IN_PERSON, EPUT),
    ("Fussy eaters: tips from parents for parents", WORKSHOP, DN, CO_PRODUCING, IN_PERSON, ABSS),
    ("Young parents' forum", FOCUS, SE, ENGAGING, IN_PERSON, YMCA),
    ("Recruiting panel for the Family Hub manager", PANEL, SC, CO_PRODUCING, IN_PERSON, COUNCIL),
    ("Bedtime routines: co-designing a sleep guide", WORKSHOP, SE, CO_DESIGNING, ONLINE, ABSS),
    ("Cost of living: what support reaches families?", CONSULT, CR, CONSULTING, HYBRID, SAVS),
    ("Nursery settling-in booklet workshop", WORKSHOP, CL, CO_DESIGNING, IN_PERSON, "Little Acorns Pre-school"),
    ("Research interviews training for Parent Champions", TRAINING, SC, ENGAGING, IN_PERSON, UNI),
    ("Healthy Start vouchers: why families miss out", FOCUS, DN, CONSULTING, ONLINE, COUNCIL),
    ("Words for welcome: multilingual signs for children's centres", WORKSHOP, CL, CO_PRODUCING, IN_PERSON, ABSS),
    ("Facilitation skills for Parent Champions", TRAINING, CR, ENGAGING, IN_PERSON, SAVS),
    ("Weaning workshop redesign", WORKSHOP, DN, CO_DESIGNING, IN_PERSON, MSE),
    ("Youth voice on family services", FOCUS, SE, CONSULTING, IN_PERSON, YMCA),
    ("Commissioning panel: family support grants", PANEL, SC, CO_PRODUCING, HYBRID, COUNCIL),
    ("Rhyme time at the library: what works", FOCUS, CL, CONSULTING, IN_PERSON, COUNCIL),
    ("Community cookbook: recipes from every culture", WORKSHOP, DN, CO_PRODUCING, IN_PERSON, ABSS),
    ("Feeling safe in local parks", CONSULT, CR, CONSULTING, IN_PERSON, COUNCIL),
    ("Parent wellbeing app: testing the prototype", WORKSHOP, SE, CO_DESIGNING, ONLINE, UNI),
    ("Neurodiversity and the early years: parents' panel", PANEL, SE, ENGAGING, IN_PERSON, EPUT),
    ("Annual review with partners", MEETING, SC, INFORMING, HYBRID, ABSS),
    ("Two-year check: making it less daunting", WORKSHOP, CL, CO_DESIGNING, IN_PERSON, MSE),
    ("Breakfast clubs focus group", FOCUS, DN, CONSULTING, IN_PERSON, "Seaside Day Nursery"),
    ("Volunteer buddies for new families", WORKSHOP, CR, CO_PRODUCING, IN_PERSON, SAVS),
    ("Legacy planning: keeping co-production going", STEERING, SC, CO_PRODUCING, HYBRID, ABSS),
]

# In the weeks after today, so the demo always has something coming up:
# days from today, title, kind, theme, level, format, organiser
UPCOMING = [
    (4, "Parent Champions steering group", STEERING, SC, CO_PRODUCING, HYBRID, ABSS),
    (9, "Chatterbox refresh: what should change?", WORKSHOP, CL, CO_DESIGNING, IN_PERSON, EPUT),
    (15, "Winter warmers: food support focus group", FOCUS, DN, CONSULTING, ONLINE, COUNCIL),
    (22, "Planning next year's Who's the Expert?", WORKSHOP, SC, CO_PRODUCING, IN_PERSON, ABSS),
    (30, "Safeguarding refresher for volunteers", TRAINING, CR, INFORMING, ONLINE, SAVS),
    (37, "Family Hub opening: parents' panel", PANEL, SE, ENGAGING, IN_PERSON, COUNCIL),
]
