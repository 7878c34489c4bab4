from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from omnisync.webhooks import views as webhooks

urlpatterns = [
    path("", include("omnisync.dashboard.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Choosing a language must work on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("alerts/", include("alerts.urls")),
    path("webhooks/shopify/<int:channel_id>/", webhooks.order_push, {"platform": "shopify"}, name="shopify-webhook"),
    # Marketplace pushes (Shopee, TikTok, Lazada, WooCommerce), authenticated by each platform's signature.
    path("webhooks/<slug:platform>/<int:channel_id>/", webhooks.order_push, name="order-push"),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
