"""Seed one public script for the code-route benches, through ScriptHub's own use cases.

The owner is created with the operator's `CreateAccount` use case and the script, with its
first version, by `CreateScript` (validated, audited, searchable, as over HTTP). The code is a
userscript of about 20 KB written like a real one: a metadata block with matches, grants, a
`@require` and a `data:` icon, then an IIFE with settings, a style sheet, helpers and a dozen
page features; a little non-ASCII text, as real scripts have.

With `--bytes N`, a plain userscript of exactly N bytes instead (a small block, then lines of
code), for the download bench.

With `--publisher N`, also N scripts of that forum code owned by one new account, for the
publish bench (the forum script above only if `<out>/script-id.txt` is not there yet): their
ids one a line in `<out>/publish-scripts.txt`, an access token of the owner in
`<out>/access-publisher.txt`, and the body of a new version in `<out>/publish-body.json`
(the same code with `@version` replaced by `PUBLISH_VERSION_MARK`, which each request fills
in).

Reads the same SCRIPTHUB_* environment as the servers; writes the script's id to
`<out>/script-id.txt` (`script-id-N.txt` with `--bytes N`), and its code as stored to
`<out>/code-<id>.js`.

    python bench/seed_script.py OUT_FOLDER [--bytes N | --publisher N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from pathlib import Path

from run import (
    PUBLISH_BODY_FILE,
    PUBLISH_SCRIPTS,
    PUBLISH_VERSION_MARK,
    PUBLISHER_TOKENS,
    SCRIPT_ID_FILE,
)

from scripthub.application.accounts import Operator, OwnUser, Principal
from scripthub.application.scripts.create_script import CreateScriptCommand
from scripthub.application.users.create_account import CreateAccountCommand
from scripthub.application.users.new_account import AccountFields
from scripthub.domain.audit import RequestContext
from scripthub.domain.providers import Provider
from scripthub.domain.scripts import Language, Script
from scripthub.entrypoints.containers import Container, build_container, close_container
from scripthub.entrypoints.settings import load_settings

TARGET_BYTES = 19_000
SEEDED_VERSION = "4.12.3"  # HEADER's @version
FEATURES = (
    "hideSponsored",
    "expandComments",
    "highlightAuthor",
    "keyboardShortcuts",
    "darkTheme",
    "infiniteScroll",
    "copyPermalink",
    "markVisited",
    "collapseQuotes",
    "readingTime",
    "autoTranslate",
    "muteKeywords",
    "savedFilters",
    "compactLayout",
)
HEADER = """// ==UserScript==
// @name         Forum Power Tools
// @namespace    https://example.org/forum-power-tools
// @version      4.12.3
// @description  Cleaner threads, keyboard navigation and a dark theme for forum.example.org
// @description:de  Übersichtlichere Threads, Tastaturnavigation und ein dunkles Design
// @author       bench
// @license      MIT
// @match        https://forum.example.org/*
// @match        https://*.forum.example.org/*
// @match        https://forum.example.net/threads/*
// @exclude      https://forum.example.org/admin/*
// @icon         data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h
// @require      https://cdn.jsdelivr.net/npm/dom-ready@1.2.0/dom-ready.min.js
// @grant        GM_getValue
// @grant        GM_setValue
// @grant        GM_addStyle
// @grant        GM_registerMenuCommand
// @run-at       document-end
// ==/UserScript==

(function () {
  'use strict';

  const SETTINGS_KEY = 'forum-power-tools:settings';
  const DEFAULTS = Object.freeze({
    theme: 'auto',
    shortcuts: true,
    mutedWords: ['spoiler', 'off-topic'],
    translateTo: 'en',
    separator: ' · ',
    ellipsis: '…',
  });

  function loadSettings() {
    try {
      return { ...DEFAULTS, ...JSON.parse(GM_getValue(SETTINGS_KEY, '{}')) };
    } catch (error) {
      console.warn('[power-tools] settings unreadable, using defaults', error);
      return { ...DEFAULTS };
    }
  }

  function saveSettings(settings) {
    GM_setValue(SETTINGS_KEY, JSON.stringify(settings));
  }

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  function onMutations(root, callback) {
    const observer = new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType === Node.ELEMENT_NODE) callback(node);
        }
      }
    });
    observer.observe(root, { childList: true, subtree: true });
    return observer;
  }

  GM_addStyle(`
    .fpt-hidden { display: none !important; }
    .fpt-author { outline: 2px solid #e0a800; border-radius: 4px; }
    .fpt-visited { opacity: .65; }
    .fpt-badge { font: 600 11px/1.6 system-ui, sans-serif; padding: 0 6px; border-radius: 9px;
                 background: #2d6cdf; color: #fff; margin-left: 6px; }
    html.fpt-dark body { background: #15171a; color: #d7dadc; }
    html.fpt-dark a { color: #8ab4f8; }
  `);

  const settings = loadSettings();
"""
FEATURE = """
  // {title}: runs on every page load and on every post the forum adds later.
  const {name}State = {{ enabled: settings.{name} !== false, seen: new WeakSet(), count: 0 }};

  function {name}Applies(element) {{
    if (!{name}State.enabled || {name}State.seen.has(element)) return false;
    const thread = element.closest('[data-thread-id]');
    return Boolean(thread) && !thread.classList.contains('fpt-hidden');
  }}

  function {name}(element) {{
    if (!{name}Applies(element)) return;
    {name}State.seen.add(element);
    {name}State.count += 1;
    const posts = $$('.post, .comment, [data-post-id]', element);
    for (const post of posts) {{
      const author = $('.author, [data-author]', post);
      const body = $('.post-body, .comment-body', post);
      if (!author || !body) continue;
      const words = body.textContent.trim().split(/\\s+/u).length;
      post.dataset.fptWords = String(words);
      if (settings.mutedWords.some((word) => body.textContent.toLowerCase().includes(word))) {{
        post.classList.add('fpt-hidden');
        continue;
      }}
      const badge = document.createElement('span');
      badge.className = 'fpt-badge';
      badge.title = '{title}' + settings.separator + words + ' words';
      badge.textContent = words > 400 ? Math.round(words / 200) + ' min' : settings.ellipsis;
      author.append(badge);
    }}
  }}

  GM_registerMenuCommand('Toggle: {title}', () => {{
    {name}State.enabled = !{name}State.enabled;
    saveSettings({{ ...settings, {name}: {name}State.enabled }});
    location.reload();
  }});
"""
FOOTER = """
  const features = [{names}];
  const run = (root) => features.forEach((feature) => feature(root));
  run(document.body);
  onMutations(document.body, run);
  if (settings.theme === 'dark' || (settings.theme === 'auto'
      && matchMedia('(prefers-color-scheme: dark)').matches)) {{
    document.documentElement.classList.add('fpt-dark');
  }}
}})();
"""


def forum_userscript() -> str:
    """About `TARGET_BYTES` of userscript: the header, then as many features as fit."""
    code, used = HEADER, []
    for name in FEATURES:
        title = "".join(f" {c.lower()}" if c.isupper() else c for c in name).capitalize()
        code += FEATURE.format(name=name, title=title)
        used.append(name)
        if len(code.encode()) >= TARGET_BYTES:
            break
    return code + FOOTER.format(names=", ".join(used))


SMALL_HEADER = """// ==UserScript==
// @name         Sized {size}
// @namespace    https://example.org/sized
// @version      1.0.0
// @description  A script of {size} bytes for the download bench
// @match        https://example.org/*
// @grant        none
// ==/UserScript==

"""


def sized_userscript(size: int) -> str:
    """A userscript of exactly `size` bytes (at least its small header's): a block, then
    lines of code, the last one cut to fit."""
    code = SMALL_HEADER.format(size=size)
    line = 0
    while len(code.encode()) < size:
        code += f"console.log('line {line}: forum power tools, sized for the bench');\n"
        line += 1
    return code.encode()[: size - 1].decode(errors="ignore") + "\n"


async def seed(out: Path, size: int | None, publisher: int) -> None:
    container = build_container(load_settings(env_file=None))
    try:
        if publisher:
            await seed_publisher(container, out, publisher)
        if not publisher or not (out / SCRIPT_ID_FILE).exists():
            await seed_script(container, out, size)
    finally:
        await close_container(container)


async def seed_script(container: Container, out: Path, size: int | None) -> None:
    """One script of a new owner: the forum one, or a plain one of `size` bytes."""
    owner, _ = await new_owner(container)
    code = forum_userscript() if size is None else sized_userscript(size)
    name = "Forum Power Tools" if size is None else f"Sized {size}"
    script = await create_script(
        container, owner, code, name, "Cleaner threads, keyboard navigation and a dark theme."
    )
    (out / sized_id_file(size)).write_text(str(script.id))
    (out / f"code-{script.id}.js").write_text(code)  # the stored bytes, for a static server
    print(f"seeded script {script.slug} ({len(code.encode())} bytes), id {script.id}")


async def seed_publisher(container: Container, out: Path, count: int) -> None:
    """`count` forum scripts of a new owner, named and described by their block (so that new
    versions change no field), with the owner's access token and a new version's body."""
    owner, own = await new_owner(container)
    code = forum_userscript()
    scripts = [await create_script(container, owner, code) for _ in range(count)]
    context = RequestContext(ip_address="127.0.0.1", user_agent="scripthub-bench-seed")
    session = await container.use_cases.sessions().start(own, context, Provider.EMAIL)
    (out / PUBLISHER_TOKENS).write_text(f"{session.access_token}\n")
    (out / PUBLISH_SCRIPTS).write_text("".join(f"{script.id}\n" for script in scripts))
    marked = code.replace(
        f"@version      {SEEDED_VERSION}\n", f"@version      {PUBLISH_VERSION_MARK}\n"
    )
    (out / PUBLISH_BODY_FILE).write_text(json.dumps({"code": marked}))
    print(f"seeded {count} scripts of one publisher ({len(code.encode())} bytes each)")


async def new_owner(container: Container) -> tuple[Principal, OwnUser]:
    tag = uuid.uuid4().hex[:8]
    fields = AccountFields(f"bench-{tag}@example.com", f"bench-{tag}-password", f"bench_{tag}")
    own = await container.use_cases.create_account().execute(
        CreateAccountCommand(Operator(), fields, verified=True)
    )
    async with container.adapters.unit_of_work() as uow:
        grants = await uow.roles.grants_of(own.user.id)
    # Publishing reads only the caller's id and grants: no session is needed.
    return Principal(own.user.id, uuid.UUID(int=0), grants), own


async def create_script(
    container: Container,
    owner: Principal,
    code: str,
    name: str | None = None,
    description: str | None = None,
) -> Script:
    """Through the product's use case; without `name` or `description`, the block's."""
    return await container.use_cases.create_script().execute(
        CreateScriptCommand(
            owner,
            code,
            name=name,
            language=Language.JAVASCRIPT,
            description=description,
            tags=["forum", "productivity"],
        )
    )


def sized_id_file(size: int | None) -> str:
    """Where the id of the script seeded with `--bytes size` (None: the forum one) goes."""
    return SCRIPT_ID_FILE if size is None else f"script-id-{size}.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for script-id.txt")
    parser.add_argument(
        "--bytes", type=int, help="seed a plain script of exactly this size instead"
    )
    parser.add_argument(
        "--publisher",
        type=int,
        default=0,
        help="seed this many scripts of one publisher (and the forum script, if not there yet)",
    )
    args = parser.parse_args()
    asyncio.run(seed(args.out, args.bytes, args.publisher))


if __name__ == "__main__":
    main()
