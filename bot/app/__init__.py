"""``copro run`` put together: the service, its HTTP app, and the wiring of every feature."""
