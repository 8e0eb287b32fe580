"""Thin blueprints: load → check → call a service → commit once → render or redirect."""
