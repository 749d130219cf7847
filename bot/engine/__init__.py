"""The flow engine: definitions, events and resumes, the pure engine, templates. No I/O."""
