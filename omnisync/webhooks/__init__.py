"""Marketplace pushes: a platform says some orders changed, omnisync reads exactly those orders soon after.

One module per platform knows how that platform signs its deliveries and
where the order ids sit in the payload (`signature_valid`, `notices`);
`notices.py` records what was named and requests the download, shared by
all; `views.py` is the one endpoint, /webhooks/<platform>/<channel id>/.

Pushes only make reading *sooner*: polling (the schedule's routine) stays the
proof that nothing was missed, so a push that never arrives loses nothing, a
duplicate starts nothing twice, and one that arrives late or out of order is
harmless because imports already ignore older updates.
"""
