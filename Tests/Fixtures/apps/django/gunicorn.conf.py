# Gunicorn's settings, as Heroku's Django template has them: bound to $PORT on $BIND_ADDRESS (Dokuen's; Heroku's
# is 0.0.0.0), a few workers, logs on stdout.
import os

bind = [f"{os.environ.get('BIND_ADDRESS', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
workers = 2
accesslog = "-"
