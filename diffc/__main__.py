"""``python -m diffc`` is the ``diffc`` command."""
import sys

from diffc.cli import main

sys.exit(main())
