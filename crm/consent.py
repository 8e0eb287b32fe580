"""The programme's standard consent wording: what a person is shown or read when they agree.

Each consent record keeps the exact words the person agreed to, so these are the words on the
programme's forms. Change them when the forms change; records made before keep their own words.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from crm.models.enums import ConsentPurpose

LONDON = ZoneInfo("Europe/London")

# Where the partner's name goes in the sharing wording.
PARTNER = "{partner}"

STANDARD_WORDING: dict[ConsentPurpose, str] = {
    ConsentPurpose.CONTACT: (
        "We would like to contact you about co-production opportunities, such as workshops, focus groups "
        "and events, by email, phone or text. You can ask us to stop at any time."
    ),
    ConsentPurpose.PHOTOS: (
        "We would like to take photographs at sessions you come to and use photographs that show you in "
        "our reports, newsletters, website and social media. You can ask us to stop at any time. We will "
        "not use photographs of you in anything new after that, but we cannot take back anything already "
        "printed or published."
    ),
    ConsentPurpose.QUOTES: (
        "We would like to quote what you say at sessions in our reports to our board, funders and partners, "
        "and in our newsletters. We will not put your name next to a quote. You can ask us to stop at any "
        "time. We will not use your words in anything new after that, but we cannot take back anything "
        "already printed or published."
    ),
    ConsentPurpose.SHARING: (
        "We would like to give your name and contact details to {partner} so that they can contact you "
        "about taking part in their co-production work. They will use them only for that. You can ask us "
        "to stop at any time. We will then tell {partner} and share nothing more, but we cannot take back "
        "details we have already given them."
    ),
}


def standard_wording(purpose: ConsentPurpose | str, partner: str | None = None) -> str:
    """The standard wording for a purpose, with the partner's name in it when one is given."""
    wording = STANDARD_WORDING[ConsentPurpose(purpose)]
    return fill_partner(wording, partner) if partner else wording


def fill_partner(wording: str, partner: str | None) -> str:
    """Put the partner's name where the wording still has the {partner} placeholder."""
    partner = (partner or "").strip()
    return wording.replace(PARTNER, partner) if partner else wording


def _plain(text: str) -> str:
    return " ".join((text or "").split())


def standard_purpose_of(wording: str) -> ConsentPurpose | None:
    """Which purpose's standard wording this text is (spacing aside), or None for other words."""
    text = _plain(wording)
    for purpose, standard in STANDARD_WORDING.items():
        if PARTNER in standard:
            before, _, after = _plain(standard).partition(PARTNER)
            after = after.split(PARTNER)[-1]
            if text.startswith(before) and text.endswith(after) and len(text) >= len(before) + len(after):
                return purpose
        elif text == _plain(standard):
            return purpose
    return None


def uk_today() -> date:
    """Today's date where the programme works (a consent given at 00:30 BST is given that day)."""
    return datetime.now(LONDON).date()


def given_at_for(day: date | None) -> datetime | None:
    """When a consent given on `day` is recorded as given: now for today, midday UK time otherwise
    (so the date shows the same however it is displayed)."""
    if day is None or day == uk_today():
        return None
    return datetime.combine(day, time(12), tzinfo=LONDON).astimezone(UTC)
