"""gunicorn settings for Relais (`gunicorn -c config/gunicorn.py config.wsgi`), every value from the environment.

Threads per worker: most time is spent waiting on the database, and threads share a worker's memory. Workers are
recycled after a few thousand requests (with jitter, so they do not all restart at once) to bound memory growth.
"""

import multiprocessing
import os

bind = os.environ.get("RELAIS_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(4, multiprocessing.cpu_count() + 1))))
worker_class = "gthread"
threads = int(os.environ.get("RELAIS_WEB_THREADS", "4"))
timeout = int(os.environ.get("RELAIS_WEB_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("RELAIS_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("RELAIS_ACCESS_LOG", "-") or None
# Method, path and protocol, not %(r)s: the query string of a search carries persons' names and INS.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# Behind a reverse proxy on another host, set FORWARDED_ALLOW_IPS to its address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (gunicornc), one per bound address so that two servers on one host never share one.
control_socket = os.environ.get(
    "RELAIS_CONTROL_SOCKET",
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "var", f"gunicorn-{bind}.ctl"),
)
