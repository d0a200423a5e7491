import sys

from goldpipe_scorer.cli import main

sys.exit(main())
