"""Staffing writes, one module per area (directory, demand, roster, attendance, ladder, meetings).

Services are keyword-only, check permissions themselves and run in one transaction."""
