"""The card's "missing since" is stored with the missing count (issue 13: the dashboard computed it per request,
an anti-join over every remote order, 1.1 s at a million orders). Filled for the channels missing orders now by
orders/0008; every later recount keeps it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('channels_app', '0007_retire_restock_returns'),
    ]

    operations = [
        migrations.AddField(
            model_name='channel',
            name='orders_missing_since',
            field=models.DateTimeField(blank=True, null=True, verbose_name='missing since'),
        ),
    ]
