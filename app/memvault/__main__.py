"""Allow ``python -m memvault`` as an alias of the ``memvault`` command."""

from memvault.cli import main

raise SystemExit(main())
