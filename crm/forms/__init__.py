"""WTForms classes, rendered through govuk-frontend-wtf."""
