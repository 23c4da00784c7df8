"""The Prometheus metrics the app keeps (served at /metrics: intake/observability.py), in a module of their own so
that what records them (the PDF worker's caller, the login) need not import the web parts."""

from prometheus_client import Counter, Histogram

REQUEST_SECONDS = Histogram("kartlegging_http_request_duration_seconds", "Time to answer a request, by route template",
                            ["method", "route", "status"],
                            buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
PDF_SECONDS = Histogram("kartlegging_pdf_render_seconds", "Time to render a PDF in the PDF worker, by document",
                        ["document"], buckets=(.1, .25, .5, 1, 1.5, 2, 3, 5, 10, 30, 60))
LOGIN_FAILURES = Counter("kartlegging_login_failures_total", "Refused logins, by reason", ["reason"])
