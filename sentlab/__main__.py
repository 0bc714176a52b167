"""``python -m sentlab`` runs the command line, as the ``sentlab`` script does."""

import sys

from sentlab.cli import main

sys.exit(main())
