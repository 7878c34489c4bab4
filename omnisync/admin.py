from django.contrib import admin

from omnisync.lib.admin import ReadOnlyAdmin
from omnisync.models import DailyReport, OrderNotice


@admin.register(OrderNotice)
class OrderNoticeAdmin(ReadOnlyAdmin):
    """A marketplace's order notifications, as received: written by the webhook, taken by Download Orders."""

    list_display = ["received_at", "channel", "external_id", "changed_at", "notices", "taken_at"]
    list_filter = ["channel", ("taken_at", admin.EmptyFieldListFilter)]
    search_fields = ["external_id"]
    list_select_related = ["channel"]
    show_full_result_count = False


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    """The daily rollup the report page reads, kept up to date by the runs."""

    list_display = ["day", "channel", "orders_on_channel", "orders_imported", "orders_missing", "orders_wrong_status",
                    "stock_discrepancies", "runs", "runs_failed"]
    list_filter = ["channel"]
    date_hierarchy = "day"
    list_select_related = ["channel"]
