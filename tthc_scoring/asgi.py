import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tthc_scoring.settings")
application = get_asgi_application()
