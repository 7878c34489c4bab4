"""Admin base for records that only the services write (the ledger, imported orders, runs)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable in the admin, never added, edited or deleted there: a hand edit would break the sums they keep."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
