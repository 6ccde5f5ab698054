"""``python -m dupfind``: the same command line as the ``dupfind`` script."""

from dupfind.cli import run

if __name__ == "__main__":
    run()
