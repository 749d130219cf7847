"""Everything the bot keeps. Nothing outside this package writes SQL.

Open a :class:`storage.db.Database`, then call the query modules inside ``db.transaction()``::

    async with db.transaction() as s:
        person = await participants.find_by_address(s, "sms", "+447700900123")

Importing the package loads none of its modules: each is imported where it is used, so that
reading the configuration (``storage.settings``) does not load SQLAlchemy.
"""
