"""The ``copro`` command's groups of subcommands, one module each (``bot.cli.main`` puts them together)."""
