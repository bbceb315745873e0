"""The demo catalogue's content: four users and thirty scripts (userscripts, Lua mods, user
styles, shell and Python snippets), with their versions, ratings and install counts.

The code is assembled from compact templates (`_userscript`, `_userstyle`) so that each entry
reads like a real script without this module growing into thousands of lines. Every slug is
fixed: the seed finds what it created before by slug, which is what makes it idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scripthub.domain.scripts import Language, Visibility

DEMO_EMAIL_DOMAIN = "demo.scripthub.example"
"""`.example` is reserved (RFC 2606): no mail to these addresses can ever be delivered (and
email syntax refuses special-use names such as `.invalid`)."""
DEMO_PASSWORD = "scripthub-demo"  # noqa: S105 - public on purpose, documented in API.md
"""Every demo account's password, outside production (where a random one is printed once)."""
DEMO_USERNAMES = ("demo-alice", "demo-bob", "demo-chloe", "demo-dmitri")
NAMESPACE = "https://demo.scripthub.invalid"


@dataclass(frozen=True)
class DemoVersion:
    version: str
    code: str
    changelog: str | None = None


@dataclass(frozen=True)
class DemoScript:
    slug: str
    owner: str
    name: str
    language: Language
    description: str
    versions: tuple[DemoVersion, ...]
    """Oldest first; the first is published with the script."""
    license: str | None = "MIT"
    tags: tuple[str, ...] = ()
    visibility: Visibility = Visibility.PUBLIC
    featured: bool = False
    installs: int = 0
    ratings: dict[str, int] = field(default_factory=dict)
    """Username → score, from demo users other than the owner."""


def _indent(body: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in body.strip("\n").splitlines())


def _userscript(
    name: str,
    version: str,
    description: str,
    body: str,
    *,
    match: tuple[str, ...],
    grant: tuple[str, ...] = (),
    connect: tuple[str, ...] = (),
    antifeature: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    run_at: str | None = None,
    license_: str = "MIT",
) -> str:
    """A userscript with a `// ==UserScript==` block and its body in a strict-mode IIFE."""
    entries = [
        ("name", name),
        *(tuple(line.split(" ", 1)) for line in extra),
        ("namespace", NAMESPACE),
        ("version", version),
        ("description", description),
        *(("match", value) for value in match),
        *(("grant", value) for value in grant or ("none",)),
        *(("connect", value) for value in connect),
        *(("antifeature", value) for value in antifeature),
        *((("run-at", run_at),) if run_at else ()),
        ("license", license_),
    ]
    header = "\n".join(f"// @{key:<12} {value}" for key, value in entries)
    return (
        f"// ==UserScript==\n{header}\n// ==/UserScript==\n\n"
        f"(function () {{\n  'use strict';\n\n{_indent(body)}\n}})();\n"
    )


def _userstyle(name: str, version: str, description: str, domain: str, css: str) -> str:
    """A UserCSS style with a `/* ==UserStyle==` block and one `@-moz-document` section."""
    return (
        f"/* ==UserStyle==\n@name         {name}\n@namespace    {NAMESPACE}\n"
        f"@version      {version}\n@description  {description}\n@license      MIT\n"
        f"@preprocessor default\n==/UserStyle== */\n\n"
        f'@-moz-document domain("{domain}") {{\n{_indent(css)}\n}}\n'
    )


def _one(version: str, code: str) -> tuple[DemoVersion, ...]:
    return (DemoVersion(version, code),)


# --- Userscripts -------------------------------------------------------------------------

_YT_BODY = """
const observer = new MutationObserver(() => {
  document.querySelectorAll('ytd-rich-item-renderer').forEach((item) => {
    if (item.querySelector('[overlay-style="SHORTS"]')) item.remove();
  });
});
observer.observe(document.body, { childList: true, subtree: true });
"""

_GH_BODY = """
for (const link of document.querySelectorAll('a.Link--primary[href*="/blob/"]')) {
  const raw = link.href.replace('/blob/', '/raw/');
  const button = Object.assign(document.createElement('a'), { href: raw, textContent: 'raw' });
  button.className = 'Link--muted ml-2';
  link.after(button);
}
"""

_GH_STARS_BODY = """
GM_xmlhttpRequest({
  method: 'GET',
  url: `https://api.github.com/repos${location.pathname.split('/').slice(0, 3).join('/')}`,
  onload: (response) => {
    const { stargazers_count: stars } = JSON.parse(response.responseText);
    document.title = `★${stars} ${document.title}`;
  },
});
"""

_WIKI_BODY = """
const content = document.querySelector('#mw-content-text');
if (content) {
  content.style.maxWidth = '48rem';
  content.style.margin = '0 auto';
  content.style.fontSize = '1.05rem';
}
"""

_HN_BODY = """
document.querySelectorAll('.comment-tree .comtr').forEach((row) => {
  const toggle = row.querySelector('.togg');
  const depth = Number(row.querySelector('.ind')?.getAttribute('indent') ?? 0);
  if (depth >= 2 && toggle) toggle.click();
});
"""

_REDDIT_BODY = """
if (location.hostname === 'www.reddit.com' && !location.pathname.startsWith('/media')) {
  location.replace(`https://old.reddit.com${location.pathname}${location.search}`);
}
"""

_AMAZON_BODY = """
const price = document.querySelector('.a-price .a-offscreen');
const asin = document.querySelector('#ASIN')?.value;
if (price && asin) {
  const link = document.createElement('a');
  link.href = `https://camelcamelcamel.com/product/${asin}`;
  link.textContent = `Price history (${price.textContent.trim()})`;
  price.closest('.a-section')?.append(link);
}
"""

_SO_BODY = """
document.querySelectorAll('pre > code').forEach((block) => {
  const button = document.createElement('button');
  button.textContent = 'Copy';
  button.className = 's-btn s-btn__xs';
  button.addEventListener('click', () => GM_setClipboard(block.innerText, 'text'));
  block.parentElement.prepend(button);
});
"""

_DARK_BODY = """
const dark = GM_getValue('dark', true);
document.documentElement.style.filter = dark ? 'invert(0.92) hue-rotate(180deg)' : '';
GM_registerMenuCommand('Toggle dark mode', () => {
  GM_setValue('dark', !dark);
  location.reload();
});
"""

_TRANSLATE_BODY = """
document.addEventListener('mouseup', () => {
  const text = window.getSelection().toString().trim();
  if (!text || text.length > 500) return;
  GM_xmlhttpRequest({
    method: 'POST',
    url: 'https://libretranslate.com/translate',
    data: JSON.stringify({ q: text, source: 'auto', target: navigator.language.slice(0, 2) }),
    headers: { 'Content-Type': 'application/json' },
    onload: (response) => GM_notification(JSON.parse(response.responseText).translatedText),
  });
});
"""

_TWITCH_BODY = """
setInterval(() => {
  const bonus = document.querySelector('[aria-label="Claim Bonus"]');
  if (bonus) bonus.click();
}, 15000);
"""

_COUPON_BODY = """
const banner = document.createElement('div');
banner.textContent = 'Coupons found for this shop: click to apply the best one';
banner.style.cssText = 'position:fixed;bottom:0;width:100%;background:#ffd54f;padding:8px';
banner.addEventListener('click', () => GM_openInTab(`https://deals.example.com/?ref=demo&shop=${location.hostname}`));
document.body.append(banner);
"""

_MDN_BODY = """
const links = [...document.querySelectorAll('.bc-table a[href^="#"]')];
links.forEach((link) => link.setAttribute('title', link.textContent));
document.querySelector('.bc-table')?.scrollIntoView({ block: 'start' });
"""

_GMAIL_BODY = """
const unread = () => document.querySelectorAll('tr.zE').length;
setInterval(() => {
  const count = unread();
  document.title = count ? `(${count}) Inbox` : 'Inbox';
}, 5000);
"""

# --- Lua ---------------------------------------------------------------------------------

_FACTORIO = """-- Auto-sort inventory when a player closes their main inventory.
script.on_event(defines.events.on_player_main_inventory_changed, function(event)
  local player = game.get_player(event.player_index)
  if player and player.character then
    player.get_main_inventory().sort_and_merge()
  end
end)
"""

_WOW = """-- Prints a summary of loot picked up during a dungeon run.
local LootLedger = CreateFrame("Frame")
local totals = {}

LootLedger:RegisterEvent("CHAT_MSG_LOOT")
LootLedger:RegisterEvent("PLAYER_ENTERING_WORLD")
LootLedger:SetScript("OnEvent", function(_, event, message)
  if event == "CHAT_MSG_LOOT" then
    local item = message:match("|Hitem:.-|h%[(.-)%]|h")
    if item then totals[item] = (totals[item] or 0) + 1 end
  else
    for item, count in pairs(totals) do print(("%s x%d"):format(item, count)) end
    wipe(totals)
  end
end)
"""

_NVIM = """-- Trim trailing whitespace on save, keeping the cursor where it was.
local group = vim.api.nvim_create_augroup("TrimWhitespace", { clear = true })

vim.api.nvim_create_autocmd("BufWritePre", {
  group = group,
  pattern = "*",
  callback = function()
    local view = vim.fn.winsaveview()
    vim.cmd([[keeppatterns %s/\\s\\+$//e]])
    vim.fn.winrestview(view)
  end,
})
"""

_LOVE = """-- A minimal LÖVE (love2d) FPS and memory overlay; require it from main.lua.
local overlay = {}

function overlay.draw()
  local memory = collectgarbage("count") / 1024
  love.graphics.setColor(1, 1, 1, 0.8)
  love.graphics.print(("FPS %d  |  %.1f MiB"):format(love.timer.getFPS(), memory), 8, 8)
end

return overlay
"""

_GARRYS = """-- Garry's Mod: give every player who joins a crowbar and a welcome message.
hook.Add("PlayerSpawn", "DemoWelcomeKit", function(ply)
  timer.Simple(0, function()
    if not IsValid(ply) then return end
    ply:Give("weapon_crowbar")
    ply:ChatPrint("Welcome to the server, " .. ply:Nick() .. "!")
  end)
end)
"""

_MPV = """-- mpv: skip the opening when a chapter is named "Opening" or "OP".
local skip = { Opening = true, OP = true, Intro = true }

mp.observe_property("chapter", "number", function(_, chapter)
  local chapters = mp.get_property_native("chapter-list") or {}
  local current = chapter and chapters[chapter + 1]
  if current and skip[current.title] then
    mp.commandv("add", "chapter", 1)
    mp.osd_message("Skipped " .. current.title)
  end
end)
"""

# --- UserCSS -----------------------------------------------------------------------------

_GH_CSS = """
.markdown-body { font-family: "Iosevka", ui-monospace, monospace; }
.markdown-body pre { border-left: 3px solid var(--color-accent-fg); }
"""

_WIKI_CSS = """
body { background: #15171a; color: #d7dadf; }
a, a:visited { color: #8ab4f8; }
.mw-body, .vector-header-container { background: #1c1f24; border-color: #2c3036; }
"""

_HN_CSS = """
body { background: #f6f6ef; }
#hnmain { width: min(100%, 60rem) !important; }
.title, .subtext { font-size: 1rem !important; line-height: 1.5; }
"""

_YT_CSS = """
#secondary, ytd-comments { display: none !important; }
#primary { max-width: 100% !important; }
"""

_SO_CSS = """
.s-sidebarwidget, #hot-network-questions, .js-consent-banner { display: none !important; }
#mainbar { width: 100% !important; }
"""

# --- Shell and Python --------------------------------------------------------------------

_BACKUP = """#!/usr/bin/env bash
# Back up a directory to a dated, compressed archive and keep the last seven.
set -euo pipefail

source_dir="${1:?usage: backup.sh DIRECTORY [DEST]}"
dest="${2:-$HOME/backups}"
mkdir -p "$dest"
tar --zstd -cf "$dest/$(basename "$source_dir")-$(date +%F).tar.zst" -C "$source_dir" .
ls -1t "$dest"/*.tar.zst | tail -n +8 | xargs -r rm --
"""

_GIT_CLEAN = """#!/bin/sh
# Delete local branches whose upstream is gone (merged and deleted on the remote).
git fetch --prune --quiet
git for-each-ref --format '%(refname:short) %(upstream:track)' refs/heads |
  awk '$2 == "[gone]" { print $1 }' |
  xargs -r git branch -D
"""

_DOCKER = """#!/usr/bin/env bash
# Show how much disk each Docker image, container and volume takes, biggest first.
set -euo pipefail
docker system df -v --format '{{json .}}' |
  jq -r '.Images[] | "\\(.Size)\\t\\(.Repository):\\(.Tag)"' |
  sort -h -r | head -n "${1:-15}"
"""

_RENAME = '''#!/usr/bin/env python3
"""Rename photos to their EXIF date (2024-06-01_14-03-22.jpg), keeping clashes apart."""

import sys
from pathlib import Path

from PIL import Image

for path in map(Path, sys.argv[1:]):
    taken = Image.open(path).getexif().get(306)  # DateTime
    if not taken:
        continue
    stem = taken.replace(":", "-").replace(" ", "_")
    target = path.with_name(f"{stem}{path.suffix.lower()}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{stem}-{number}{path.suffix.lower()}")
    path.rename(target)
    print(f"{path.name} -> {target.name}")
'''

_CSV = '''#!/usr/bin/env python3
"""Print a CSV file as an aligned table in the terminal: csvview.py data.csv"""

import csv
import sys

with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = list(csv.reader(handle))
widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]
for row in rows:
    print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
'''


def _versions(*specs: tuple[str, str, str | None]) -> tuple[DemoVersion, ...]:
    return tuple(DemoVersion(version, code, changelog) for version, code, changelog in specs)


_YT = "*://www.youtube.com/*"
_GH = "https://github.com/*"

SCRIPTS: tuple[DemoScript, ...] = (
    DemoScript(
        slug="youtube-hide-shorts",
        owner="demo-alice",
        name="YouTube: Hide Shorts",
        language=Language.JAVASCRIPT,
        description="Removes Shorts from the YouTube home page and subscriptions feed.",
        versions=_versions(
            (
                "1.0.0",
                _userscript(
                    "YouTube: Hide Shorts",
                    "1.0.0",
                    "Removes Shorts from the home page.",
                    _YT_BODY,
                    match=(_YT,),
                ),
                None,
            ),
            (
                "1.1.0",
                _userscript(
                    "YouTube: Hide Shorts",
                    "1.1.0",
                    "Removes Shorts from the home page and feeds.",
                    _YT_BODY,
                    match=(_YT,),
                    extra=("name:fr YouTube : masquer les Shorts",),
                ),
                "Also hides Shorts in the subscriptions feed; French name.",
            ),
        ),
        tags=("youtube", "declutter"),
        featured=True,
        installs=4210,
        ratings={"demo-bob": 5, "demo-chloe": 4, "demo-dmitri": 5},
    ),
    DemoScript(
        slug="github-raw-links",
        owner="demo-alice",
        name="GitHub Raw Links",
        language=Language.JAVASCRIPT,
        description="Adds a 'raw' link next to every file in a GitHub repository listing.",
        versions=_one(
            "2.0.1",
            _userscript(
                "GitHub Raw Links", "2.0.1", "A raw link beside each file.", _GH_BODY, match=(_GH,)
            ),
        ),
        tags=("github", "developer"),
        installs=1380,
        ratings={"demo-bob": 4, "demo-dmitri": 4},
    ),
    DemoScript(
        slug="github-stars-in-title",
        owner="demo-bob",
        name="GitHub Stars in Title",
        language=Language.JAVASCRIPT,
        description="Shows a repository's star count in the browser tab title.",
        versions=_versions(
            (
                "0.1.0",
                _userscript(
                    "GitHub Stars in Title",
                    "0.1.0",
                    "Stars in the tab title.",
                    "document.title = `★ ${document.title}`;",
                    match=(_GH,),
                ),
                None,
            ),
            (
                "0.2.0",
                _userscript(
                    "GitHub Stars in Title",
                    "0.2.0",
                    "Stars in the tab title.",
                    _GH_STARS_BODY,
                    match=(_GH,),
                    grant=("GM_xmlhttpRequest",),
                    connect=("api.github.com",),
                ),
                "Reads the real count from the GitHub API.",
            ),
        ),
        tags=("github", "developer"),
        installs=312,
        ratings={"demo-alice": 3, "demo-chloe": 4},
    ),
    DemoScript(
        slug="wikipedia-reading-width",
        owner="demo-chloe",
        name="Wikipedia Reading Width",
        language=Language.JAVASCRIPT,
        description="Narrows Wikipedia articles to a comfortable reading width.",
        versions=_one(
            "1.3",
            _userscript(
                "Wikipedia Reading Width",
                "1.3",
                "Comfortable line length on Wikipedia.",
                _WIKI_BODY,
                match=("https://*.wikipedia.org/wiki/*",),
            ),
        ),
        tags=("wikipedia", "reading", "accessibility"),
        installs=905,
        ratings={"demo-alice": 4, "demo-bob": 5, "demo-dmitri": 4},
    ),
    DemoScript(
        slug="hacker-news-collapse-deep-threads",
        owner="demo-dmitri",
        name="Hacker News: Collapse Deep Threads",
        language=Language.JAVASCRIPT,
        description="Collapses Hacker News comment threads below the second level on load.",
        versions=_one(
            "1.0.2",
            _userscript(
                "Hacker News: Collapse Deep Threads",
                "1.0.2",
                "Collapse replies below depth two.",
                _HN_BODY,
                match=("https://news.ycombinator.com/item*",),
            ),
        ),
        tags=("hacker-news", "reading"),
        installs=644,
        ratings={"demo-alice": 5, "demo-chloe": 3},
    ),
    DemoScript(
        slug="old-reddit-redirect",
        owner="demo-bob",
        name="Old Reddit Redirect",
        language=Language.JAVASCRIPT,
        description="Sends www.reddit.com links to old.reddit.com, keeping the path and query.",
        versions=_one(
            "3.1.0",
            _userscript(
                "Old Reddit Redirect",
                "3.1.0",
                "Always the old Reddit design.",
                _REDDIT_BODY,
                match=("*://www.reddit.com/*",),
                run_at="document-start",
            ),
        ),
        tags=("reddit", "redirect"),
        featured=True,
        installs=8730,
        ratings={"demo-alice": 5, "demo-chloe": 5, "demo-dmitri": 4},
    ),
    DemoScript(
        slug="amazon-price-history-link",
        owner="demo-chloe",
        name="Amazon Price History Link",
        language=Language.JAVASCRIPT,
        description="Adds a price history link under the price of every Amazon product.",
        versions=_versions(
            (
                "1.0",
                _userscript(
                    "Amazon Price History Link",
                    "1.0",
                    "A price history link.",
                    _AMAZON_BODY,
                    license_="GPL-3.0-or-later",
                    match=("https://www.amazon.com/*",),
                ),
                None,
            ),
            (
                "1.1",
                _userscript(
                    "Amazon Price History Link",
                    "1.1",
                    "A price history link.",
                    _AMAZON_BODY,
                    license_="GPL-3.0-or-later",
                    match=(
                        "https://www.amazon.com/*",
                        "https://www.amazon.de/*",
                        "https://www.amazon.fr/*",
                    ),
                ),
                "Works on amazon.de and amazon.fr.",
            ),
            (
                "1.2",
                _userscript(
                    "Amazon Price History Link",
                    "1.2",
                    "A price history link.",
                    _AMAZON_BODY,
                    license_="GPL-3.0-or-later",
                    match=(
                        "https://www.amazon.com/*",
                        "https://www.amazon.de/*",
                        "https://www.amazon.fr/*",
                    ),
                    grant=("GM_xmlhttpRequest",),
                    connect=("camelcamelcamel.com",),
                ),
                "Prefetches the lowest price.",
            ),
        ),
        tags=("shopping", "amazon"),
        license="GPL-3.0-or-later",
        installs=2115,
        ratings={"demo-alice": 4, "demo-bob": 2, "demo-dmitri": 4},
    ),
    DemoScript(
        slug="stack-overflow-copy-code",
        owner="demo-dmitri",
        name="Stack Overflow Copy Code",
        language=Language.JAVASCRIPT,
        description="A Copy button on every code block of Stack Overflow and Stack Exchange.",
        versions=_one(
            "1.4.0",
            _userscript(
                "Stack Overflow Copy Code",
                "1.4.0",
                "Copy buttons on code blocks.",
                _SO_BODY,
                match=("https://stackoverflow.com/questions/*", "https://*.stackexchange.com/*"),
                grant=("GM_setClipboard",),
            ),
        ),
        tags=("stack-overflow", "developer", "clipboard"),
        installs=3340,
        ratings={"demo-alice": 5, "demo-bob": 4, "demo-chloe": 5},
    ),
    DemoScript(
        slug="universal-dark-mode",
        owner="demo-alice",
        name="Universal Dark Mode",
        language=Language.JAVASCRIPT,
        description="Inverts light pages into a dark theme, toggled from the manager's menu.",
        versions=_versions(
            (
                "0.9.0",
                _userscript(
                    "Universal Dark Mode",
                    "0.9.0",
                    "Dark mode everywhere.",
                    "document.documentElement.style.filter = 'invert(0.92) hue-rotate(180deg)';",
                    license_="Apache-2.0",
                    match=("*://*/*",),
                ),
                None,
            ),
            (
                "1.0.0",
                _userscript(
                    "Universal Dark Mode",
                    "1.0.0",
                    "Dark mode everywhere.",
                    _DARK_BODY,
                    license_="Apache-2.0",
                    match=("*://*/*",),
                    grant=("GM_getValue", "GM_setValue", "GM_registerMenuCommand"),
                ),
                "A menu command turns it off per browser.",
            ),
        ),
        tags=("dark-mode", "accessibility"),
        license="Apache-2.0",
        installs=5120,
        ratings={"demo-bob": 3, "demo-chloe": 4, "demo-dmitri": 3},
    ),
    DemoScript(
        slug="select-to-translate",
        owner="demo-chloe",
        name="Select to Translate",
        language=Language.JAVASCRIPT,
        description="Translates the selected text with LibreTranslate and shows a notification.",
        versions=_one(
            "0.4.1",
            _userscript(
                "Select to Translate",
                "0.4.1",
                "Translate any selection.",
                _TRANSLATE_BODY,
                license_="AGPL-3.0-only",
                match=("*://*/*",),
                grant=("GM_xmlhttpRequest", "GM_notification"),
                connect=("libretranslate.com",),
                extra=("name:fr Traduire la sélection",),
            ),
        ),
        tags=("translation", "language"),
        license="AGPL-3.0-only",
        installs=760,
        ratings={"demo-alice": 4, "demo-dmitri": 5},
    ),
    DemoScript(
        slug="twitch-auto-claim-bonus",
        owner="demo-bob",
        name="Twitch Auto-Claim Bonus",
        language=Language.JAVASCRIPT,
        description="Clicks the channel points bonus button on Twitch whenever it appears.",
        versions=_one(
            "2.2.0",
            _userscript(
                "Twitch Auto-Claim Bonus",
                "2.2.0",
                "Claims channel points for you.",
                _TWITCH_BODY,
                match=("https://www.twitch.tv/*",),
                antifeature=("tracking Counts claims with an anonymous analytics ping",),
            ),
        ),
        tags=("twitch", "automation"),
        installs=1990,
        ratings={"demo-alice": 3, "demo-chloe": 2},
    ),
    DemoScript(
        slug="shop-coupon-finder",
        owner="demo-dmitri",
        name="Shop Coupon Finder",
        language=Language.JAVASCRIPT,
        description="Looks for coupon codes on checkout pages. Declares its referral links.",
        versions=_one(
            "1.0.0",
            _userscript(
                "Shop Coupon Finder",
                "1.0.0",
                "Coupons on checkout pages.",
                _COUPON_BODY,
                match=("*://*/checkout*",),
                grant=("GM_openInTab",),
                antifeature=(
                    "referral-link Deals pages carry our referral code",
                    "ads Shows a sponsored deals banner",
                ),
            ),
        ),
        tags=("shopping", "coupons"),
        installs=140,
        ratings={"demo-alice": 1, "demo-bob": 2},
    ),
    DemoScript(
        slug="mdn-compat-tooltips",
        owner="demo-alice",
        name="MDN Compatibility Tooltips",
        language=Language.JAVASCRIPT,
        description="Tooltips on MDN's browser compatibility tables; jumps to the table.",
        versions=_one(
            "0.3.0",
            _userscript(
                "MDN Compatibility Tooltips",
                "0.3.0",
                "Tooltips on compatibility tables.",
                _MDN_BODY,
                match=("https://developer.mozilla.org/*/docs/*",),
            ),
        ),
        tags=("mdn", "developer", "documentation"),
        visibility=Visibility.UNLISTED,
        installs=55,
    ),
    DemoScript(
        slug="gmail-unread-title",
        owner="demo-bob",
        name="Gmail Unread Count in Title",
        language=Language.JAVASCRIPT,
        description="Keeps the number of unread conversations in the Gmail tab title.",
        versions=_one(
            "1.0.0",
            _userscript(
                "Gmail Unread Count in Title",
                "1.0.0",
                "Unread count in the tab title.",
                _GMAIL_BODY,
                match=("https://mail.google.com/*",),
            ),
        ),
        tags=("gmail", "productivity"),
        visibility=Visibility.PRIVATE,
    ),
    # --- Lua ---
    DemoScript(
        slug="factorio-auto-sort-inventory",
        owner="demo-dmitri",
        name="Factorio: Auto-Sort Inventory",
        language=Language.LUA,
        description="A control.lua snippet that sorts and merges the inventory on every change.",
        versions=_versions(
            ("0.1.0", _FACTORIO, None),
            (
                "0.2.0",
                _FACTORIO.replace(
                    "sort_and_merge()",
                    "sort_and_merge()\n    player.print({'', 'Inventory sorted'})",
                ),
                "Tells the player.",
            ),
        ),
        tags=("factorio", "game-mod", "inventory"),
        installs=2760,
        ratings={"demo-alice": 5, "demo-bob": 4, "demo-chloe": 4},
    ),
    DemoScript(
        slug="wow-loot-ledger",
        owner="demo-chloe",
        name="Loot Ledger (WoW addon)",
        language=Language.LUA,
        description="A World of Warcraft addon that totals the loot of each dungeon run.",
        versions=_one("1.2.0", _WOW),
        tags=("world-of-warcraft", "game-mod", "addon"),
        license="GPL-2.0-or-later",
        installs=1430,
        ratings={"demo-bob": 4, "demo-dmitri": 5},
    ),
    DemoScript(
        slug="neovim-trim-whitespace",
        owner="demo-alice",
        name="Neovim: Trim Trailing Whitespace",
        language=Language.LUA,
        description="An autocommand for init.lua that trims trailing spaces on save.",
        versions=_one("1.0", _NVIM),
        tags=("neovim", "editor"),
        installs=980,
        ratings={"demo-bob": 5, "demo-chloe": 4, "demo-dmitri": 5},
    ),
    DemoScript(
        slug="love2d-fps-overlay",
        owner="demo-bob",
        name="LÖVE FPS Overlay",
        language=Language.LUA,
        description="A tiny love2d module drawing the frame rate and Lua memory in a corner.",
        versions=_one("0.1.0", _LOVE),
        tags=("love2d", "gamedev"),
        license="Zlib",
        installs=210,
        ratings={"demo-dmitri": 4},
    ),
    DemoScript(
        slug="gmod-welcome-kit",
        owner="demo-dmitri",
        name="Garry's Mod Welcome Kit",
        language=Language.LUA,
        description="Gives each spawning player a crowbar and a welcome message.",
        versions=_one("1.0.0", _GARRYS),
        tags=("garrys-mod", "game-mod", "server"),
        installs=430,
        ratings={"demo-alice": 3, "demo-chloe": 4},
    ),
    DemoScript(
        slug="mpv-skip-opening",
        owner="demo-chloe",
        name="mpv: Skip Opening",
        language=Language.LUA,
        description="An mpv script that skips chapters named Opening, OP or Intro.",
        versions=_one("1.1.0", _MPV),
        tags=("mpv", "video", "anime"),
        license="Unlicense",
        installs=1675,
        ratings={"demo-alice": 5, "demo-bob": 5, "demo-dmitri": 4},
    ),
    # --- User styles ---
    DemoScript(
        slug="github-monospace-readme",
        owner="demo-alice",
        name="GitHub Monospace READMEs",
        language=Language.CSS,
        description="Renders README files on GitHub in a monospace font with accented code.",
        versions=_one(
            "1.0.0",
            _userstyle(
                "GitHub Monospace READMEs", "1.0.0", "Monospace READMEs.", "github.com", _GH_CSS
            ),
        ),
        tags=("github", "usercss", "typography"),
        installs=390,
        ratings={"demo-chloe": 3},
    ),
    DemoScript(
        slug="wikipedia-midnight",
        owner="demo-chloe",
        name="Wikipedia Midnight",
        language=Language.CSS,
        description="A dark theme for Wikipedia's Vector 2022 skin.",
        versions=_versions(
            (
                "2.0.0",
                _userstyle(
                    "Wikipedia Midnight", "2.0.0", "Dark Wikipedia.", "wikipedia.org", _WIKI_CSS
                ),
                None,
            ),
            (
                "2.1.0",
                _userstyle(
                    "Wikipedia Midnight",
                    "2.1.0",
                    "Dark Wikipedia.",
                    "wikipedia.org",
                    _WIKI_CSS + "table.wikitable { background: #1c1f24; }\n",
                ),
                "Dark tables too.",
            ),
        ),
        tags=("wikipedia", "usercss", "dark-mode"),
        installs=2240,
        ratings={"demo-alice": 5, "demo-bob": 4, "demo-dmitri": 5},
    ),
    DemoScript(
        slug="hacker-news-readable",
        owner="demo-dmitri",
        name="Hacker News Readable",
        language=Language.CSS,
        description="Larger type and a centred column for Hacker News.",
        versions=_one(
            "1.0.0",
            _userstyle(
                "Hacker News Readable",
                "1.0.0",
                "Readable Hacker News.",
                "news.ycombinator.com",
                _HN_CSS,
            ),
        ),
        tags=("hacker-news", "usercss", "reading"),
        installs=720,
        ratings={"demo-alice": 4, "demo-chloe": 4},
    ),
    DemoScript(
        slug="youtube-focus-mode",
        owner="demo-bob",
        name="YouTube Focus Mode",
        language=Language.CSS,
        description="Hides recommendations and comments so the video is all there is.",
        versions=_one(
            "1.2.0",
            _userstyle("YouTube Focus Mode", "1.2.0", "Only the video.", "youtube.com", _YT_CSS),
        ),
        tags=("youtube", "usercss", "declutter"),
        installs=3015,
        ratings={"demo-alice": 5, "demo-chloe": 4, "demo-dmitri": 4},
    ),
    DemoScript(
        slug="stack-overflow-clean",
        owner="demo-alice",
        name="Stack Overflow Clean",
        language=Language.CSS,
        description="Removes the sidebar, hot questions and consent banner on Stack Overflow.",
        versions=_one(
            "0.2.0",
            _userstyle(
                "Stack Overflow Clean",
                "0.2.0",
                "A cleaner Stack Overflow.",
                "stackoverflow.com",
                _SO_CSS,
            ),
        ),
        tags=("stack-overflow", "usercss", "declutter"),
        installs=815,
        ratings={"demo-bob": 4},
    ),
    # --- Shell and Python ---
    DemoScript(
        slug="rotating-tar-backup",
        owner="demo-dmitri",
        name="Rotating tar Backup",
        language=Language.SHELL,
        description="Backs a directory up to a dated zstd archive and keeps the last seven.",
        versions=_one("1.0.0", _BACKUP),
        tags=("backup", "linux", "cli"),
        license="0BSD",
        installs=560,
        ratings={"demo-alice": 4, "demo-bob": 5},
    ),
    DemoScript(
        slug="git-prune-gone-branches",
        owner="demo-alice",
        name="git: Prune Gone Branches",
        language=Language.SHELL,
        description="Deletes local git branches whose remote branch was deleted.",
        versions=_one("1.0.0", _GIT_CLEAN),
        tags=("git", "cli", "developer"),
        installs=1220,
        ratings={"demo-bob": 5, "demo-chloe": 5, "demo-dmitri": 4},
    ),
    DemoScript(
        slug="docker-disk-usage",
        owner="demo-bob",
        name="Docker Disk Usage Report",
        language=Language.SHELL,
        description="Lists the Docker images taking the most disk space, biggest first.",
        versions=_one("0.1.0", _DOCKER),
        tags=("docker", "cli", "devops"),
        installs=265,
        ratings={"demo-dmitri": 3},
    ),
    DemoScript(
        slug="photo-rename-by-exif-date",
        owner="demo-chloe",
        name="Rename Photos by EXIF Date",
        language=Language.PYTHON,
        description="Renames photos to the date they were taken, read from their EXIF data.",
        versions=_versions(
            ("1.0.0", _RENAME.replace("path.suffix.lower()", "path.suffix"), None),
            ("1.1.0", _RENAME, "Lower-cases extensions (.JPG becomes .jpg)."),
        ),
        tags=("photos", "python", "cli"),
        license="MIT OR Apache-2.0",
        installs=890,
        ratings={"demo-alice": 4, "demo-dmitri": 5},
    ),
    DemoScript(
        slug="csv-table-view",
        owner="demo-dmitri",
        name="CSV Table View",
        language=Language.PYTHON,
        description="Prints a CSV file as an aligned table in the terminal.",
        versions=_one("0.1.0", _CSV),
        tags=("csv", "python", "cli"),
        installs=175,
        ratings={"demo-bob": 3, "demo-chloe": 4},
    ),
)
