"""What every layer above the engine shares: configuration, the clock, logs, metrics, the scheduler."""
