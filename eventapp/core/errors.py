from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from eventapp.extensions import db


def _wants_json():
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def register(app):
    @app.errorhandler(HTTPException)
    def http_error(error):
        if _wants_json():
            return jsonify(error=error.name, message=error.description), error.code
        template = (
            f"errors/{error.code}.html" if error.code in (403, 404, 500) else "errors/generic.html"
        )
        return render_template(template, error=error), error.code

    @app.errorhandler(Exception)
    def server_error(error):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        if _wants_json():
            return jsonify(error="Internal Server Error", message="unexpected error"), 500
        return render_template("errors/500.html", error=error), 500
