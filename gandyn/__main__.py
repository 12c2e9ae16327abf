import sys

from gandyn.cli import main

sys.exit(main())
