"""The standalone executable's build: `make standalone` (see build.py)."""
