"""The client-go exec credential plugin: the protocol (`protocol`), the `exec` answer (`answer`),
and the arguments an exec block runs to ask for one identity's token (`argv`)."""

from __future__ import annotations
