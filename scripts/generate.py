"""Write a synthetic evidence graph with planted conflicts (see :mod:`kb.testing.synthetic`).

    python scripts/generate.py --triples 10000 --out graphs/synthetic --format both
"""

import sys

from kb.testing.synthetic import main

if __name__ == "__main__":
    sys.exit(main())
