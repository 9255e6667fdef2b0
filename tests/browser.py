"""Shared helpers of the report tests: the offline-HTML checks and a real browser (Debian's
chromium driven by Playwright) with every request outside file: blocked.

The browser fixture fails, never skips, when chromium is missing (CI installs it).
"""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("KAOHE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def figure_count(notebook: Path) -> int:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return sum(
        1
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    )


class Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]


def open_offline(browser: Any, path: Path) -> dict[str, Any]:
    """Open a report with every request outside file: blocked; what happened."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    blocked: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    expected = page.evaluate("document.querySelectorAll('.plotly-graph-div').length")
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=expected,
        timeout=30_000,
    )
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('.plotly-graph-div'))"
        ".filter(d => d.classList.contains('js-plotly-plot') && d.querySelector('svg.main-svg'))"
        ".length"
    )
    has_plotly = page.evaluate("typeof window.Plotly === 'object' && !!window.Plotly.newPlot")
    heading = page.inner_text("h1")
    context.close()
    return {
        "expected": expected,
        "drawn": drawn,
        "plotly": has_plotly,
        "blocked": blocked,
        "errors": errors,
        "dialogs": dialogs,
        "heading": heading,
    }
