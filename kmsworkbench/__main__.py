"""`python -m kmsworkbench` runs the same entry point as the console script."""

from kmsworkbench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
