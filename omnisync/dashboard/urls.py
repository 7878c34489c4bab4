from django.urls import path

from omnisync.dashboard import returns, stock, unmapped, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("channels/<int:pk>/stats/", views.channel_stats, name="channel_stats"),
    path("channels/<int:pk>/inventory-preview/", views.inventory_preview, name="inventory_preview"),
    path("jobs/start/", views.job_start, name="job_start"),
    path("jobs/routine-all/", views.routine_all_start, name="routine_all_start"),
    path("jobs/download-orders/", views.download_start, name="download_start"),
    path("orders/mismatches/", views.MismatchesView.as_view(), name="mismatches"),
    path("orders/", views.OrdersView.as_view(), name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/unmapped/", unmapped.unmapped_page, name="unmapped"),
    path("orders/unmapped/link/", unmapped.unmapped_link, name="unmapped_link"),
    path("orders/unmapped/skus/", unmapped.unmapped_sku_options, name="unmapped_sku_options"),
    path("stock/discrepancies/", views.DiscrepanciesView.as_view(), name="discrepancies"),
    path("stock/adjust/", stock.stock_adjust_page, name="stock_adjust"),
    path("orders/returns/", returns.ReturnsView.as_view(), name="returns"),
    path("listings/", views.ListingsView.as_view(), name="listings"),
    path("runs/", views.RunsView.as_view(), name="runs"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("report/", views.ReportView.as_view(), name="report"),
]
