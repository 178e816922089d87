from __future__ import annotations

from eks_tf_auth.entry import main

raise SystemExit(main())
