"""Userscript code for the tests of publishing."""

from __future__ import annotations


def userscript(version: str | None = "1.0", *entries: str, body: str = "run();\n") -> str:
    """A userscript whose metadata block declares `@version` (unless None) and `entries`
    (`"grant GM_getValue"`), followed by `body`."""
    lines = ["// ==UserScript==", "// @name Dark Mode"]
    if version is not None:
        lines.append(f"// @version {version}")
    lines += [f"// @{entry}" for entry in entries]
    lines.append("// ==/UserScript==")
    return "\n".join(lines) + "\n" + body
