"""Retire "restock returned orders": units come back on sale only when the parcel is received.

A channel that restocked returns at once wanted returned units back on sale
without staff work; the nearest honest setting is to receive them
automatically when the channel reports the return received.
"""

from django.db import migrations


def forward(apps, schema_editor):
    Channel = apps.get_model("channels_app", "Channel")
    Channel.objects.filter(restock_returns=True).update(receive_returns_automatically=True)


def backward(apps, schema_editor):
    Channel = apps.get_model("channels_app", "Channel")
    Channel.objects.filter(receive_returns_automatically=True).update(restock_returns=True)


class Migration(migrations.Migration):

    dependencies = [
        ("channels_app", "0006_orders_that_dont_fit"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="channel", name="restock_returns"),
    ]
