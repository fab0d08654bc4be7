"""Change notices and objections: `notify`, the "notice" mail, `/object/<token>`.

`create_app` calls `init_app(app)` (see subscribe_service/__init__.py): it registers the
outbox renderers, the objection page and the `notify`, `notices` and `objections`
commands.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from subscribe_service.notices import commands, objections, render, views  # noqa: F401

    app.register_blueprint(views.bp)
    for command in (commands.notify_command, commands.notices_command, commands.objections_command):
        app.cli.add_command(command)
