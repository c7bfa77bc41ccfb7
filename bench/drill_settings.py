"""The production settings with the clocks of the fault drills turned faster (bench/drills.py).

Only timings change, so a drill finishes in minutes rather than hours: the notifications tick
every 2 s instead of 60, an outbox lease of 15 s instead of 10 minutes, and a task counts as
abandoned after 60 s of RUNNING instead of 15 minutes. What recovers, and how, is the production
code path.
"""

from config.settings import *  # noqa: F403 (this module is the production settings plus three timings)

NOTIFICATIONS_TICK_SECONDS = 2
NOTIFICATIONS_LEASE_SECONDS = 15
TASK_ABANDONED_AFTER_SECONDS = 60
