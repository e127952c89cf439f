"""Time limits: the working calendar, deadlines, and the timers that warn and escalate."""
