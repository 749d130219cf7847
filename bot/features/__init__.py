"""What copro does for a group: alerts, broadcasts, check-ins, claims, meetings, polls, people."""
