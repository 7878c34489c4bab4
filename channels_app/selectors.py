"""Reads of channels and runs for the pages; each returns a queryset or one object."""

from __future__ import annotations

from django.db.models import QuerySet

from channels_app.models import Channel, RunIssue, SyncRun


def channel_choices() -> QuerySet[Channel]:
    return Channel.objects.order_by("name")


def runs_list() -> QuerySet[SyncRun]:
    return SyncRun.objects.select_related("channel", "requested_by")


def run_get(run_id: int) -> SyncRun:
    return SyncRun.objects.select_related("channel", "requested_by").get(pk=run_id)


def run_issues(run_id: int) -> QuerySet[RunIssue]:
    return RunIssue.objects.filter(run_id=run_id)
