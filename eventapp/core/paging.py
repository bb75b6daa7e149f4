"""Lists shown a page at a time (badges, exhibitors, partners, the audit log)."""

from flask import request


def page_window(total, size):
    """(page, pages, offset) for `total` items shown `size` a page: the page the
    request asks for (`?page=`), kept between the first and the last."""
    pages = max(1, -(-total // size))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return page, pages, (page - 1) * size
