"""`flask crm` commands, one module per area (registered in crm/cli.py)."""
