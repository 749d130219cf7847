"""The conversation host, around the pure engine.

``conversations`` (the entry points) hands each message to ``router`` (what it
means), which has ``running`` start or resume a flow and apply its events:
``running`` is the only caller of the engine, for one person or, through
``starts``, for a whole group. ``replies`` keys, renders and queues what copro
says; ``hooks`` is where features join in; ``definitions`` keeps the flow
version a session started with; ``robots`` spots auto-replies; ``notices`` is
the plain notice of a flow's ``notify``; ``timers`` resumes sessions whose time
has come; ``keywords`` are the words that work anywhere.
"""
