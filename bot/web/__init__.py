"""The coordinators' web desk, served by ``copro run`` on its own port (docs/desk.md).

Server-rendered pages (Jinja2, htmx for partial updates) over the same feature
code as the command line and the Telegram desk (``bot.features``).
"""
