"""Each mount stands for a platform's host; what follows it is the platform's own path."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path, re_path

from sandbox import auth_pages
from sandbox.platforms import lazada, shopee, shopify, tiktok, woocommerce

app_name = "sandbox"


@login_not_required
def store_root(request):
    return HttpResponse("<!doctype html><title>Sandbox store</title><h1>Sandbox WooCommerce store</h1>"
                        "<p>REST API under <code>wp-json/wc/v3/</code>.</p>")


urlpatterns = [
    # Shopee — /sandbox/shopee stands for https://partner.shopeemobile.com
    path("shopee/api/v2/shop/auth_partner", auth_pages.shopee_authorize, name="shopee-auth"),
    path("shopee/api/v2/auth/token/get", shopee.token_get),
    path("shopee/api/v2/auth/access_token/get", shopee.access_token_get),
    path("shopee/api/v2/shop/get_shop_info", shopee.get_shop_info, name="shopee-shop-info"),
    path("shopee/api/v2/shop/get_warehouse_detail", shopee.get_warehouse_detail, name="shopee-warehouse-detail"),
    path("shopee/api/v2/order/get_order_list", shopee.get_order_list),
    path("shopee/api/v2/order/get_order_detail", shopee.get_order_detail),
    path("shopee/api/v2/product/get_item_list", shopee.get_item_list),
    path("shopee/api/v2/product/get_item_base_info", shopee.get_item_base_info),
    path("shopee/api/v2/product/get_model_list", shopee.get_model_list),
    path("shopee/api/v2/product/update_stock", shopee.update_stock),
    # TikTok Shop — /sandbox/tiktok stands for https://open-api.tiktokglobalshop.com,
    # /sandbox/tiktok-auth for https://auth.tiktok-shops.com
    path("tiktok-auth/oauth/authorize", auth_pages.tiktok_authorize, name="tiktok-auth"),
    path("tiktok-auth/api/v2/token/get", tiktok.token_get),
    path("tiktok-auth/api/v2/token/refresh", tiktok.token_refresh),
    path("tiktok/authorization/202309/shops", tiktok.shops, name="tiktok-shops"),
    path("tiktok/order/202309/orders/search", tiktok.orders_search),
    path("tiktok/order/202309/orders", tiktok.orders_detail),
    path("tiktok/product/202502/products/search", tiktok.products_search),
    path("tiktok/product/202309/products/<str:product_id>/inventory/update", tiktok.inventory_update),
    path("tiktok/product/202309/inventory/search", tiktok.inventory_search),
    path("tiktok/logistics/202309/warehouses", tiktok.warehouses),
    # Lazada — /sandbox/lazada stands for https://api.lazada.co.id/rest, /sandbox/lazada-auth for https://auth.lazada.com/rest
    path("lazada-auth/oauth/authorize", auth_pages.lazada_authorize, name="lazada-auth"),
    path("lazada-auth/auth/token/create", lazada.token_create),
    path("lazada-auth/auth/token/refresh", lazada.token_refresh),
    path("lazada/seller/get", lazada.seller_get, name="lazada-seller"),
    path("lazada/orders/get", lazada.orders_get),
    path("lazada/order/get", lazada.order_get),
    path("lazada/order/items/get", lazada.order_items_get),
    path("lazada/orders/items/get", lazada.orders_items_get),
    path("lazada/products/get", lazada.products_get),
    path("lazada/product/price_quantity/update", lazada.price_quantity_update),
    path("lazada/product/item/get", lazada.product_item_get),
    path("lazada/product/stock/sellable/update", lazada.sellable_update),
    path("lazada/product/stock/sellable/adjust", lazada.sellable_adjust),
    # WooCommerce — /sandbox/woocommerce is the store root
    path("woocommerce/", store_root, name="woocommerce-root"),
    re_path(r"^woocommerce/wp-json/wc/v3/system_status/?$", woocommerce.system_status, name="woocommerce-status"),
    re_path(r"^woocommerce/wp-json/wc/v3/orders/?$", woocommerce.orders),
    re_path(r"^woocommerce/wp-json/wc/v3/orders/(?P<order_id>\d+)/?$", woocommerce.order_detail),
    re_path(r"^woocommerce/wp-json/wc/v3/products/?$", woocommerce.products),
    re_path(r"^woocommerce/wp-json/wc/v3/products/batch/?$", woocommerce.products_batch),
    re_path(r"^woocommerce/wp-json/wc/v3/products/(?P<product_id>\d+)/?$", woocommerce.product_detail),
    re_path(r"^woocommerce/wp-json/wc/v3/products/(?P<product_id>\d+)/variations/?$", woocommerce.variations),
    re_path(r"^woocommerce/wp-json/wc/v3/products/(?P<product_id>\d+)/variations/batch/?$", woocommerce.variations_batch),
    # Shopify — /sandbox/shopify stands for https://<store>.myshopify.com
    path("shopify/admin/api/<str:version>/graphql.json", shopify.graphql, name="shopify-graphql"),
]
