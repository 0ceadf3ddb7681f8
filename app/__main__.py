"""Allow ``python -m app`` as an alias of the ``memvault`` command."""

from app.cli import main

raise SystemExit(main())
