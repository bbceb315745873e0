"""Recall of search for one word of a Chinese, Japanese or Korean script name: the share of
(name, word) pairs below where searching the word finds the script, on SQLite FTS5 through
the adapter's own words (`scripts_search.words_of`) and query expression, against the
words of before issue 19 (runs of letters and digits, so a CJK run is one word).

    .venv/bin/python bench/cjk_recall.py

The sample: names written the way userscripts name themselves on Greasy Fork (Chinese,
Japanese, Korean, with Latin brand names glued on), each with the words a person would type,
segmented by hand. PostgreSQL finds the same scripts (tests/contract/test_script_search.py).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from typing import TYPE_CHECKING

from scripthub.adapters.sqlalchemy.scripts_search import words_of
from scripthub.domain.scripts import search_terms

if TYPE_CHECKING:
    from collections.abc import Callable

SAMPLE: dict[str, list[str]] = {
    "解除CSDN登录复制": ["CSDN", "登录", "复制"],
    "百度网盘直链下载助手": ["百度", "网盘", "直链", "下载", "助手"],
    "知乎增强": ["知乎", "增强"],
    "哔哩哔哩视频下载": ["哔哩哔哩", "视频", "下载"],
    "B站自动领取每日经验": ["B站", "自动", "领取", "经验"],
    "网页限制解除": ["网页", "限制", "解除"],
    "豆瓣电影资源搜索": ["豆瓣", "电影", "资源", "搜索"],
    "自动翻页": ["自动", "翻页"],
    "淘宝京东优惠券查询": ["淘宝", "京东", "优惠券", "查询"],
    "微博去广告": ["微博", "广告"],
    "繁體中文轉換": ["繁體", "中文", "轉換"],
    "巴哈姆特動畫瘋助手": ["巴哈姆特", "動畫", "助手"],
    "GitHub中文化插件": ["GitHub", "中文", "插件"],
    "谷歌翻译增强": ["谷歌", "翻译", "增强"],
    "YouTube動画をダウンロード": ["YouTube", "動画", "ダウンロード"],
    "ニコニコ動画コメント非表示": ["ニコニコ", "動画", "コメント", "非表示"],
    "Twitterの画像を原寸で開く": ["Twitter", "画像", "原寸"],
    "アマゾン価格履歴表示": ["アマゾン", "価格", "履歴", "表示"],
    "ピクシブ一括ダウンロード": ["ピクシブ", "一括", "ダウンロード"],
    "5ちゃんねる広告削除": ["5ちゃんねる", "広告", "削除"],
    "自動でページを翻訳する": ["自動", "ページ", "翻訳"],
    "なろう縦書きビューア": ["なろう", "縦書き", "ビューア"],
    "ウェブページ全体をダークモードに": ["ウェブページ", "ダークモード"],
    "네이버 카페 광고 제거": ["네이버", "카페", "광고", "제거"],
    "유튜브광고차단": ["유튜브", "광고", "차단"],
    "디시인사이드 차단기": ["디시인사이드", "차단"],
    "웹툰다운로더": ["웹툰", "다운로더"],
    "나무위키검색개선": ["나무위키", "검색", "개선"],
    "한국어번역기": ["한국어", "번역"],
    "쿠팡가격추적": ["쿠팡", "가격", "추적"],
}


def words_before(text: str) -> list[str]:
    """Issue 18's words: runs of letters and digits, accents dropped, case folded."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in folded if not unicodedata.combining(char))
    return re.findall(r"[^\W_]+", stripped)


def recall(split: Callable[[str], list[str]]) -> tuple[int, int, int, int]:
    """(words found, words asked, exact names found, other scripts listed for the words)
    with `split` as the index's words."""
    database = sqlite3.connect(":memory:")
    database.execute(
        "CREATE VIRTUAL TABLE script_search USING fts5("
        "script_id UNINDEXED, name, tags, description, "
        "tokenize = 'unicode61 remove_diacritics 0')"
    )
    for number, name in enumerate(SAMPLE):
        words = (
            words_of({"name": name, "tags": "", "description": ""})
            if split is search_terms
            else {"name": " ".join(split(name))}
        )
        database.execute(
            "INSERT INTO script_search (script_id, name) VALUES (?, ?)", (number, words["name"])
        )

    def listed(text: str) -> set[int]:
        expression = " AND ".join(f'"{term}"*' for term in split(text))
        rows = database.execute(
            "SELECT script_id FROM script_search WHERE script_search MATCH ?", (expression,)
        )
        return {row[0] for row in rows}

    words = [(number, word) for number, wanted in enumerate(SAMPLE.values()) for word in wanted]
    found = sum(number in listed(word) for number, word in words)
    others = sum(len(listed(word) - {number}) for number, word in words)
    names = sum(number in listed(name) for number, name in enumerate(SAMPLE))
    return found, len(words), names, others


def main() -> None:
    for label, split in (("before (issue 18)", words_before), ("now", search_terms)):
        found, asked, names, others = recall(split)
        print(
            f"{label}: one word of the name {found}/{asked} ({found / asked:.0%}),"
            f" exact names {names}/{len(SAMPLE)}, other scripts listed {others}"
        )


if __name__ == "__main__":
    main()
