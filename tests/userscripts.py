"""Userscript code for the tests of publishing and serving scripts."""

from __future__ import annotations


def userscript(
    version: str | None = "1.0",
    *entries: str,
    name: str = "Dark Mode",
    body: str = "run();\n",
    eol: str = "\n",
    aligned: bool = False,
) -> str:
    """A userscript whose metadata block declares `name`, `@version` (unless None) and
    `entries` (`"grant GM_getValue"`), followed by `body`; every line ends with `eol`.
    `aligned` puts the values in one column, as Tampermonkey's template for a new script."""
    declared = [f"name {name}", *([f"version {version}"] if version is not None else []), *entries]
    lines = [
        "// ==UserScript==",
        *(f"// @{_in_column(entry) if aligned else entry}" for entry in declared),
        "// ==/UserScript==",
    ]
    return eol.join(lines) + eol + body.replace("\n", eol)


def _in_column(entry: str) -> str:
    key, _, value = entry.partition(" ")
    return f"{key:<12} {value}"


def installable(version: str = "1.0", *, name: str = "Dark Mode", eol: str = "\n") -> str:
    """A userscript as script managers install it: aligned, with a `@match`, a `data:` icon
    (which the meta block leaves out), and code beyond ASCII."""
    return userscript(
        version,
        "match https://example.com/*",
        "icon data:image/png;base64,iVBORw0KGgo=",
        name=name,
        body="\ndocument.body.style.background = 'black'; // ünïcödé ✓\n",
        eol=eol,
        aligned=True,
    )
