"""Lists shown a page at a time (badges, exhibitors, partners, the audit log)."""

from flask import request


def page_window(total, size, page=None):
    """(page, pages, offset) for `total` items shown `size` a page: the page asked for
    (`page`, else the request's `?page=`), kept between the first and the last."""
    pages = max(1, -(-total // size))
    if page is None:
        page = request.args.get("page", 1, type=int)
    page = min(max(page or 1, 1), pages)
    return page, pages, (page - 1) * size
