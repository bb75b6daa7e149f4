"""Trusting a reverse proxy's X-Forwarded-* headers, only when told to.

Behind nginx or a load balancer every request arrives from the proxy's
address, so per-client limits (login throttling) would lump all visitors
together. The headers are trusted only for the configured number of proxies:
trusting them without a proxy would let any client choose its own address.
"""

from werkzeug.middleware.proxy_fix import ProxyFix


def install_proxy_fix(app):
    x_for = app.config.get("PROXY_FIX_X_FOR", 0)
    x_proto = app.config.get("PROXY_FIX_X_PROTO", 0)
    if not (x_for or x_proto) or isinstance(app.wsgi_app, ProxyFix):
        return
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0, x_port=0)
