from django.urls import path

from alerts import views

urlpatterns = [
    path("", views.AlertsView.as_view(), name="alerts"),
    path("banner/", views.alerts_banner, name="alerts_banner"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert_acknowledge"),
]
