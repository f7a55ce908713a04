"""How the browser tests and the front-end benchmark launch Debian's Chromium.

Playwright cannot download its own browser here; these flags keep Chromium off the closed
network (STYLE.md).
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
