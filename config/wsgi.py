import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()

# What is loaded by now (modules, models, settings, the project's objects) lives as long as the process: moved out of
# the collector's generations, it is no longer traversed by each full collection — some 140,000 objects, about 70 ms
# a collection, paid by whichever request set it off (docs/decisions/0021-frozen-start-up-objects.md).
gc.collect()
gc.freeze()
