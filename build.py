"""Build the sample site in this repository: the same as `newsgen build`."""

import sys

from newsgen.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
