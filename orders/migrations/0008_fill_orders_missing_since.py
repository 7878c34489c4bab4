"""Fill Channel.orders_missing_since (channels_app/0008) for the channels missing orders now; every later recount
(order_counts_store) keeps it."""

from django.db import migrations
from django.db.models import Exists, Min, OuterRef


def fill(apps, schema_editor):
    Channel = apps.get_model("channels_app", "Channel")
    Order = apps.get_model("orders", "Order")
    RemoteOrder = apps.get_model("orders", "RemoteOrder")
    for channel in Channel.objects.filter(orders_missing__gt=0):
        pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"))
        oldest = RemoteOrder.objects.filter(channel_id=channel.pk).filter(~Exists(pos)).aggregate(m=Min("channel_updated_at"))["m"]
        Channel.objects.filter(pk=channel.pk).update(orders_missing_since=oldest)



class Migration(migrations.Migration):

    dependencies = [
        ("channels_app", "0008_orders_missing_since"),
        ("orders", "0007_order_line_unknown_status_index"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
