from django.shortcuts import render

from omnisync.selectors import dashboard_channels


def dashboard(request):
    return render(request, "omnisync/dashboard.html", {"channels": dashboard_channels()})
