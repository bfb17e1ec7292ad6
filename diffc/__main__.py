"""``python -m diffc`` is the ``diffc`` command."""
import sys

from diffc.cli.commands import main

sys.exit(main())
