"""Ticket counters behind the visits already there: demo data loaded before tickets went through
the counter had none, and the next pré-accueil of the day took a number already given."""

from django.db import migrations
from django.db.models import Max


def catch_up(apps, schema_editor):
    TicketCounter = apps.get_model("visits", "TicketCounter")
    Visit = apps.get_model("visits", "Visit")
    counters = {(c.stop_id, c.day): c for c in TicketCounter.objects.all()}
    behind, missing = [], []
    for row in Visit.objects.values("stop_id", "service_day").annotate(last=Max("ticket")).iterator():
        counter = counters.get((row["stop_id"], row["service_day"]))
        if counter is None:
            missing.append(TicketCounter(stop_id=row["stop_id"], day=row["service_day"], last=row["last"]))
        elif counter.last < row["last"]:
            counter.last = row["last"]
            behind.append(counter)
    TicketCounter.objects.bulk_create(missing, batch_size=1000)
    TicketCounter.objects.bulk_update(behind, ["last"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("visits", "0003_daily_activity")]

    operations = [migrations.RunPython(catch_up, migrations.RunPython.noop)]
