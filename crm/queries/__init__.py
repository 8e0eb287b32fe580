"""Reads: functions returning Select objects or plain rows. Reports aggregate in SQL."""
