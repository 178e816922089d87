"""The AWS side: settings and STS endpoints (read without botocore), credentials, and typed
botocore clients. botocore is imported only inside this package, and only where a call needs it,
so that the token path stays light."""

from __future__ import annotations
