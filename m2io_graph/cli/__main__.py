"""`python -m m2io_graph.cli`: the `m2io` command."""

import sys

from m2io_graph.cli.main import main

sys.exit(main())
