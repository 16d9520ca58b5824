"""The reference for CronScheduleReferenceTests: PyPI's croniter, run on the same cases as dokuen's CronSchedule.

Reads lines `ZONE<TAB>START_EPOCH<TAB>COUNT<TAB>EXPRESSION` on stdin and writes, for each, COUNT successive fire
times (seconds since the epoch, space-separated) that croniter gives after START in ZONE (the system tz data, via
zoneinfo).

One deliberate difference, named by the issue (docs/CRON.md): in a fall-back change's repeated hour, croniter fires a
job whose hour field is fixed (`30 2 * * *`) twice; Dokuen fires it once, at the first occurrence (Vixie cron's rule).
So for such a job a result that is the second occurrence of a repeated wall-clock time is skipped here. A job whose
hour field starts with `*` fires in both occurrences, as croniter does.
"""

import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter


def second_occurrence(moment, zone):
    wall = moment.replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0).utcoffset()
    second = wall.replace(tzinfo=zone, fold=1).utcoffset()
    return first != second and moment.utcoffset() == second and first > second


for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    zone_name, start, count, expression = line.split("\t")
    zone = ZoneInfo(zone_name)
    start_time = datetime.fromtimestamp(int(start), tz=zone)
    elapsed_hour = expression.split()[1].startswith("*") if not expression.startswith("@") else expression == "@hourly"
    iterator = croniter(expression, start_time)
    fires = []
    while len(fires) < int(count):
        moment = iterator.get_next(datetime)
        if not elapsed_hour and second_occurrence(moment, zone):
            continue
        fires.append(str(int(moment.timestamp())))
    print(" ".join(fires))
