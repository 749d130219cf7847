"""The ``copro`` command's groups of subcommands, one module each (``bot.cli`` puts them together)."""
