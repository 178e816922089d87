"""Thin click adapters: parse flags, call the core, write stdout. Only click, stdlib and errors
are imported at the top; the core is imported inside each callback."""

from __future__ import annotations
