"""Enumerations with their display labels. Values are the lower-case slugs used in the API."""

from __future__ import annotations

import enum


class LabelledEnum(str, enum.Enum):
    """A string enum whose members carry a human label: `Member("slug", "Label")`."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]


class Role(LabelledEnum):
    ADMIN = "admin", "Administrator"
    MANAGER = "manager", "Manager"
    COORDINATOR = "coordinator", "Coordinator"
    CHAMPION = "champion", "Co-production champion"


class PersonType(LabelledEnum):
    PARENT_CHAMPION = "parent_champion", "Parent champion"
    PARENT_CARER = "parent_carer", "Parent or carer"
    VOLUNTEER = "volunteer", "Volunteer"
    PROFESSIONAL = "professional", "Professional (partner staff)"
    YOUNG_PERSON = "young_person", "Young person"
    COMMUNITY_MEMBER = "community_member", "Community member"


class PersonStatus(LabelledEnum):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    LEFT = "left", "Left the programme"


class TagCategory(LabelledEnum):
    INTEREST = "interest", "Interests"
    LIVED_EXPERIENCE = "lived_experience", "Lived experience"
    SKILL = "skill", "Skills"
    LANGUAGE = "language", "Languages"


class ConsentPurpose(LabelledEnum):
    CONTACT = "contact", "Contact about opportunities"
    PHOTOS = "photos", "Photographs"
    QUOTES = "quotes", "Quotes in reports"
    SHARING = "sharing", "Sharing with a named partner"


class ConsentMethod(LabelledEnum):
    PAPER = "paper", "Paper form"
    ONLINE = "online", "Online form"
    VERBAL = "verbal", "Verbally to a member of staff"
    EMAIL = "email", "By email"
    API = "api", "Via API"


class OrganisationType(LabelledEnum):
    COUNCIL = "council", "Council"
    NHS = "nhs", "NHS"
    VOLUNTARY = "voluntary", "Voluntary sector"
    UNIVERSITY = "university", "University or research"
    EARLY_YEARS = "early_years", "School or early-years setting"
    BUSINESS = "business", "Business"
    OTHER = "other", "Other"


class SessionFormat(LabelledEnum):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "Hybrid"


class SessionKind(LabelledEnum):
    CO_DESIGN_WORKSHOP = "co_design_workshop", "Co-design workshop"
    FOCUS_GROUP = "focus_group", "Focus group"
    PANEL = "panel", "Panel"
    KEYNOTE = "keynote", "Keynote"
    BREAKOUT = "breakout", "Breakout session"
    STEERING_GROUP = "steering_group", "Steering group"
    TRAINING = "training", "Training"
    CONSULTATION = "consultation", "Consultation"
    MEETING = "meeting", "Meeting"
    OTHER = "other", "Other"


class InvolvementLevel(LabelledEnum):
    """The ladder of co-production, lowest rung first; `rank` orders them."""

    INFORMING = "informing", "Informing"
    CONSULTING = "consulting", "Consulting"
    ENGAGING = "engaging", "Engaging"
    CO_DESIGNING = "co_designing", "Co-designing"
    CO_PRODUCING = "co_producing", "Co-producing"

    @property
    def rank(self) -> int:
        return list(type(self)).index(self) + 1


class AuditAction(LabelledEnum):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    CANCEL = "cancel", "Cancelled"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_OUT = "sign_out", "Signed out"
    DISABLE = "disable", "Disabled"
    ENABLE = "enable", "Enabled"
    TOKEN = "token", "API token created"
    VIEW = "view", "Viewed"
    IMPORT = "import", "Imported"
    EXPORT = "export", "Exported"
    MERGE = "merge", "Merged"
    SUBJECT_ACCESS = "subject_access", "Subject access export"
    ERASE = "erase", "Anonymised"
    RETENTION = "retention", "Retention review applied"


class ParticipationStatus(LabelledEnum):
    INVITED = "invited", "Invited"
    REGISTERED = "registered", "Registered"
    DECLINED = "declined", "Declined"
    ATTENDED = "attended", "Attended"
    APOLOGIES = "apologies", "Apologies"
    NO_SHOW = "no_show", "Did not come"


class ParticipationRole(LabelledEnum):
    PARTICIPANT = "participant", "Participant"
    FACILITATOR = "facilitator", "Facilitator"
    SPEAKER = "speaker", "Speaker"
    RAPPORTEUR = "rapporteur", "Rapporteur"
    ORGANISER = "organiser", "Organiser"


class ParticipationSource(LabelledEnum):
    MANUAL = "manual", "Entered by hand"
    REGISTER = "register", "Session register"
    ZOOM = "zoom", "Zoom report"
    TEAMS = "teams", "Teams report"
    EVENTBRITE = "eventbrite", "Eventbrite report"
    CSV = "csv", "Spreadsheet"
    RSVP = "rsvp", "Invitation reply"
    API = "api", "API"


class ContributionKind(LabelledEnum):
    IDEA = "idea", "Idea"
    LIVED_EXPERIENCE = "lived_experience", "Lived-experience story"
    FEEDBACK = "feedback", "Feedback"
    CO_DESIGNED_MATERIAL = "co_designed_material", "Co-designed material"
    FACILITATION = "facilitation", "Facilitation"
    PRESENTATION = "presentation", "Presentation"
    RAPPORTEUR_NOTES = "rapporteur_notes", "Rapporteur notes"
    PEER_SUPPORT = "peer_support", "Peer support"


class FollowUpStatus(LabelledEnum):
    """ "You said, we did": what became of a contribution."""

    OPEN = "open", "Open"
    ACTED_ON = "acted_on", "Acted on"
    NOT_TAKEN_FORWARD = "not_taken_forward", "Not taken forward"


class ReplyAnswer(LabelledEnum):
    """An invitee's answer on the reply page."""

    YES = "yes", "Yes, I'll come"
    NO = "no", "No, I can't come"
    MAYBE = "maybe", "Maybe"


class MessageKind(LabelledEnum):
    INVITATION = "invitation", "Invitation"
    REMINDER = "reminder", "Reminder"


class MessageStatus(LabelledEnum):
    QUEUED = "queued", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


# Equality monitoring (special category data: managers and admins only, never in exports).
PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


class AgeBand(LabelledEnum):
    UNDER_18 = "under_18", "Under 18"
    AGE_18_24 = "18_24", "18 to 24"
    AGE_25_34 = "25_34", "25 to 34"
    AGE_35_44 = "35_44", "35 to 44"
    AGE_45_54 = "45_54", "45 to 54"
    AGE_55_64 = "55_64", "55 to 64"
    AGE_65_PLUS = "65_plus", "65 or over"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class EthnicGroup(LabelledEnum):
    """The five high-level groups of the ONS 2021 Census (England), used in reports."""

    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class Ethnicity(LabelledEnum):
    """The 19 ethnic categories of the ONS 2021 Census (England); `.group` is the high-level group."""

    BANGLADESHI = "asian_bangladeshi", "Bangladeshi"
    CHINESE = "asian_chinese", "Chinese"
    INDIAN = "asian_indian", "Indian"
    PAKISTANI = "asian_pakistani", "Pakistani"
    ASIAN_OTHER = "asian_other", "Any other Asian background"
    AFRICAN = "black_african", "African"
    CARIBBEAN = "black_caribbean", "Caribbean"
    BLACK_OTHER = "black_other", "Any other Black, Black British or Caribbean background"
    WHITE_ASIAN = "mixed_white_asian", "White and Asian"
    WHITE_BLACK_AFRICAN = "mixed_white_black_african", "White and Black African"
    WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "White and Black Caribbean"
    MIXED_OTHER = "mixed_other", "Any other Mixed or Multiple ethnic background"
    WHITE_BRITISH = "white_british", "English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "Irish"
    GYPSY_TRAVELLER = "white_gypsy_traveller", "Gypsy or Irish Traveller"
    ROMA = "white_roma", "Roma"
    WHITE_OTHER = "white_other", "Any other White background"
    ARAB = "other_arab", "Arab"
    OTHER = "other_other", "Any other ethnic group"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY

    @property
    def group(self) -> EthnicGroup:
        if self is Ethnicity.PREFER_NOT_TO_SAY:
            return EthnicGroup.PREFER_NOT_TO_SAY
        return EthnicGroup(self.value.split("_", 1)[0])


class Disability(LabelledEnum):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class Gender(LabelledEnum):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "In another way"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY
