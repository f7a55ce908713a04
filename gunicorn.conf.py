"""gunicorn's settings for Aduan; gunicorn reads this file from the directory it starts in.

Command-line options (`--workers`, `--threads`, `--bind`) override these.
"""

# the threaded worker, answering the errors gunicorn raises before the app (a request line over
# 4 KB, too many or too large headers, a NUL in a header, bad chunking) as problem+json
worker_class = "backend.web.server.ProblemWorker"
threads = 4

# gunicorn's own limits, stated: a request line of at most 4,094 bytes (414 beyond), at most
# 100 header fields of at most 8,190 bytes each (431 beyond)
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
