"""Events and sessions for the demo dataset. Times are "HH:MM"; themes are the names the first
migration seeds (a missing theme is left blank); organisers are names from demo_people."""

from __future__ import annotations

from crm.models.enums import InvolvementLevel as L
from crm.models.enums import SessionFormat as F
from crm.models.enums import SessionKind as K

CL, DN, SE, CR, SC = (
    "Communication and language", "Diet and nutrition", "Social and emotional development",
    "Community resilience", "Systems change",
)
ABSS = "A Better Start Southend"
COUNCIL = "Southend-on-Sea City Council"
SAVS = "Southend Association of Voluntary Services (SAVS)"
UNI = "University of Essex"
YMCA = "YMCA Southend"
MSE = "Mid and South Essex NHS Foundation Trust"
EPUT = "Essex Partnership University NHS Foundation Trust"

LOCATIONS = [
    "The Forum, Southend", "Kursaal Library", "Shoeburyness Community Centre", "Leigh Community Centre",
    "Southchurch Hall Gardens pavilion", "Westcliff Library", "Friars Children's Centre",
    "Centre Place Children's Centre", "YMCA Southend, Newlands Road", "Eastwood Community Centre",
]

CONFERENCE = {
    "name": "Who's the Expert? 2019",
    "description": "A Better Start Southend's annual conference, planned with Parent Champions: "
                   "parents and professionals learning from each other.",
    "date": "2019-10-17",
    "location": "The Forum, Southend",
    "sessions": [
        # title, kind, theme, level, start, end, room
        ("Welcome and introduction", K.KEYNOTE, SC, L.INFORMING, "09:30", "09:50", "Lecture theatre"),
        ("Keynote: Parents are the experts in their own lives", K.KEYNOTE, SC, L.INFORMING, "09:50", "10:40",
         "Lecture theatre"),
        ("Breakout: Chatterbox, talking with your baby", K.BREAKOUT, CL, L.CONSULTING, "11:00", "12:00", "Room 1"),
        ("Breakout: Healthy start, healthy families", K.BREAKOUT, DN, L.CONSULTING, "11:00", "12:00", "Room 2"),
        ("Breakout: Dads matter too", K.BREAKOUT, SE, L.ENGAGING, "11:00", "12:00", "Room 3"),
        ("Breakout: Building a kinder Southend", K.BREAKOUT, CR, L.ENGAGING, "13:00", "14:00", "Room 1"),
        ("Breakout: What makes a good children's centre?", K.BREAKOUT, SC, L.CONSULTING, "13:00", "14:00", "Room 2"),
        ("Breakout: Feeling low after birth, what helped", K.BREAKOUT, SE, L.ENGAGING, "13:00", "14:00", "Room 3"),
        ("Panel: Ask the Parent Champions", K.PANEL, CR, L.ENGAGING, "14:15", "15:00", "Lecture theatre"),
        ("Closing keynote: From listening to doing", K.KEYNOTE, SC, L.INFORMING, "15:00", "15:30", "Lecture theatre"),
    ],
}

COPRO_WEEK = {
    "name": "Co-production Week 2020",
    "description": "Nine online sessions over five days for National Co-production Week, "
                   "celebrating what parents and partners made together.",
    "sessions": [
        # day (0 = Monday 29 June 2020), title, kind, theme, level, start, end
        (0, "Opening: what co-production means in Southend", K.KEYNOTE, SC, L.INFORMING, "10:00", "11:00"),
        (0, "Co-designing the Chatterbox sessions online", K.CO_DESIGN_WORKSHOP, CL, L.CO_DESIGNING, "19:00", "20:30"),
        (1, "Cooking on a budget in lockdown", K.FOCUS_GROUP, DN, L.CONSULTING, "10:00", "11:30"),
        (1, "Parent Champions: sharing our stories", K.PANEL, CR, L.ENGAGING, "19:00", "20:00"),
        (2, "Staying connected: peer support while apart", K.CO_DESIGN_WORKSHOP, SE, L.CO_DESIGNING, "10:00", "11:30"),
        (2, "Working with parents: training for partner staff", K.TRAINING, SC, L.INFORMING, "14:00", "15:30"),
        (3, "Outdoor play when parks reopen", K.FOCUS_GROUP, CR, L.CONSULTING, "10:00", "11:00"),
        (3, "Reviewing the parent welcome pack", K.CO_DESIGN_WORKSHOP, CL, L.CO_PRODUCING, "19:00", "20:30"),
        (4, "Celebration and what happens next", K.MEETING, SC, L.ENGAGING, "10:00", "11:30"),
    ],
}

# Held again and again: (title, kind, theme, level, format, organiser, every n months, first month offset)
RECURRING = [
    ("Parent Champions steering group", K.STEERING_GROUP, SC, L.CO_PRODUCING, F.HYBRID, ABSS, 3, 0),
    ("Parent Champions induction training", K.TRAINING, CR, L.INFORMING, F.IN_PERSON, ABSS, 6, 2),
    ("Maternity Voices panel", K.PANEL, SE, L.ENGAGING, F.ONLINE, MSE, 4, 1),
]

# One-off work, used in order month by month: (title, kind, theme, level, format, organiser)
PROGRAMME = [
    ("Talking with your baby: co-designing the Chatterbox sessions", K.CO_DESIGN_WORKSHOP, CL, L.CO_DESIGNING,
     F.IN_PERSON, EPUT),
    ("Healthy lunchboxes focus group", K.FOCUS_GROUP, DN, L.CONSULTING, F.IN_PERSON, COUNCIL),
    ("Designing the new baby welcome bag", K.CO_DESIGN_WORKSHOP, SE, L.CO_DESIGNING, F.IN_PERSON, MSE),
    ("Dads' views on antenatal classes", K.FOCUS_GROUP, SE, L.CONSULTING, F.ONLINE, MSE),
    ("Story sacks: making them together", K.CO_DESIGN_WORKSHOP, CL, L.CO_PRODUCING, F.IN_PERSON, ABSS),
    ("Infant feeding support: what would have helped?", K.FOCUS_GROUP, DN, L.CONSULTING, F.IN_PERSON, MSE),
    ("Community fridge: planning group", K.CO_DESIGN_WORKSHOP, CR, L.CO_PRODUCING, F.IN_PERSON, SAVS),
    ("Evaluation findings: you said, we did", K.MEETING, SC, L.INFORMING, F.ONLINE, UNI),
    ("Perinatal mental health leaflet review", K.CONSULTATION, SE, L.CONSULTING, F.ONLINE, EPUT),
    ("Outdoor play spaces in Shoeburyness", K.CO_DESIGN_WORKSHOP, CR, L.CO_DESIGNING, F.IN_PERSON, COUNCIL),
    ("Speech and language drop-in: shaping the service", K.CO_DESIGN_WORKSHOP, CL, L.CO_DESIGNING, F.IN_PERSON, EPUT),
    ("Fussy eaters: tips from parents for parents", K.CO_DESIGN_WORKSHOP, DN, L.CO_PRODUCING, F.IN_PERSON, ABSS),
    ("Young parents' forum", K.FOCUS_GROUP, SE, L.ENGAGING, F.IN_PERSON, YMCA),
    ("Recruiting panel for the Family Hub manager", K.PANEL, SC, L.CO_PRODUCING, F.IN_PERSON, COUNCIL),
    ("Bedtime routines: co-designing a sleep guide", K.CO_DESIGN_WORKSHOP, SE, L.CO_DESIGNING, F.ONLINE, ABSS),
    ("Cost of living: what support reaches families?", K.CONSULTATION, CR, L.CONSULTING, F.HYBRID, SAVS),
    ("Nursery settling-in booklet workshop", K.CO_DESIGN_WORKSHOP, CL, L.CO_DESIGNING, F.IN_PERSON,
     "Little Acorns Pre-school"),
    ("Research interviews training for Parent Champions", K.TRAINING, SC, L.ENGAGING, F.IN_PERSON, UNI),
    ("Healthy Start vouchers: why families miss out", K.FOCUS_GROUP, DN, L.CONSULTING, F.ONLINE, COUNCIL),
    ("Words for welcome: multilingual signs for children's centres", K.CO_DESIGN_WORKSHOP, CL, L.CO_PRODUCING,
     F.IN_PERSON, ABSS),
    ("Facilitation skills for Parent Champions", K.TRAINING, CR, L.ENGAGING, F.IN_PERSON, SAVS),
    ("Weaning workshop redesign", K.CO_DESIGN_WORKSHOP, DN, L.CO_DESIGNING, F.IN_PERSON, MSE),
    ("Youth voice on family services", K.FOCUS_GROUP, SE, L.CONSULTING, F.IN_PERSON, YMCA),
    ("Commissioning panel: family support grants", K.PANEL, SC, L.CO_PRODUCING, F.HYBRID, COUNCIL),
    ("Rhyme time at the library: what works", K.FOCUS_GROUP, CL, L.CONSULTING, F.IN_PERSON, COUNCIL),
    ("Community cookbook: recipes from every culture", K.CO_DESIGN_WORKSHOP, DN, L.CO_PRODUCING, F.IN_PERSON, ABSS),
    ("Feeling safe in local parks", K.CONSULTATION, CR, L.CONSULTING, F.IN_PERSON, COUNCIL),
    ("Parent wellbeing app: testing the prototype", K.CO_DESIGN_WORKSHOP, SE, L.CO_DESIGNING, F.ONLINE, UNI),
    ("Neurodiversity and the early years: parents' panel", K.PANEL, SE, L.ENGAGING, F.IN_PERSON, EPUT),
    ("Annual review with partners", K.MEETING, SC, L.INFORMING, F.HYBRID, ABSS),
    ("Two-year check: making it less daunting", K.CO_DESIGN_WORKSHOP, CL, L.CO_DESIGNING, F.IN_PERSON, MSE),
    ("Breakfast clubs focus group", K.FOCUS_GROUP, DN, L.CONSULTING, F.IN_PERSON, "Seaside Day Nursery"),
    ("Volunteer buddies for new families", K.CO_DESIGN_WORKSHOP, CR, L.CO_PRODUCING, F.IN_PERSON, SAVS),
    ("Legacy planning: keeping co-production going", K.STEERING_GROUP, SC, L.CO_PRODUCING, F.HYBRID, ABSS),
]

# In the weeks after today, so the demo always has something coming up:
# (days from today, title, kind, theme, level, format, organiser)
UPCOMING = [
    (4, "Parent Champions steering group", K.STEERING_GROUP, SC, L.CO_PRODUCING, F.HYBRID, ABSS),
    (9, "Chatterbox refresh: what should change?", K.CO_DESIGN_WORKSHOP, CL, L.CO_DESIGNING, F.IN_PERSON, EPUT),
    (15, "Winter warmers: food support focus group", K.FOCUS_GROUP, DN, L.CONSULTING, F.ONLINE, COUNCIL),
    (22, "Planning Who's the Expert? next year", K.CO_DESIGN_WORKSHOP, SC, L.CO_PRODUCING, F.IN_PERSON, ABSS),
    (30, "Safeguarding refresher for volunteers", K.TRAINING, CR, L.INFORMING, F.ONLINE, SAVS),
    (37, "Family Hub opening: parents' panel", K.PANEL, SE, L.ENGAGING, F.IN_PERSON, COUNCIL),
]
