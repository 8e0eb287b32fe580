"""Writes. Verb-named functions that take the acting user, flush, audit, and never commit."""
