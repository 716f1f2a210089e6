"""One module per `yume` subcommand."""
