"""The frozen executable's script: the console script's entry, nothing more."""

from __future__ import annotations

import sys

from eks_tf_auth.entry import main

sys.exit(main())
