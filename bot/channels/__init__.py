"""Channels: provider updates in, provider calls out, nothing more."""
