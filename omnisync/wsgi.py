import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisync.settings")
application = get_wsgi_application()

# What loading made (Django, the apps, their modules and settings) lives as long as the process. Frozen, the
# collector's full passes no longer walk it: at about 130,000 objects each such pass added 50-80 ms to whichever
# request it fell in (issue 13, the pages benchmark at a million orders).
gc.freeze()
