"""The conversation host: entry points, the router, applying the engine's events, timers."""
