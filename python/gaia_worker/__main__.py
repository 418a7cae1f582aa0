"""`python -m gaia_worker ...`: a worker process of a Python pool (see runtime.py)."""
import sys

from .runtime import main

sys.exit(main(sys.argv[1:]))
