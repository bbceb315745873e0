"""The pure rules on scripts' fields: names, descriptions, licenses, tags, slugs, code, scores
and search words."""

from __future__ import annotations

import hashlib

import pytest

from scripthub.domain.errors import PayloadTooLargeError, ValidationError
from scripthub.domain.scripts import (
    MAX_CODE_BYTES,
    RatingTotals,
    check_code,
    check_description,
    check_license,
    check_name,
    check_score,
    check_slug,
    code_digest,
    normalize_tags,
    numbered_slug,
    search_terms,
    searched_terms,
    slugify,
)


def field_of(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [problem.field for problem in error.value.problems]


@pytest.mark.parametrize("name", ["x", " Dark Mode ", "é" * 100, "名前"])
def test_names_of_1_to_100_characters_pass_trimmed(name: str) -> None:
    assert check_name(name) == name.strip()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there", "bell\x07", "rtl\u202eflip"])
def test_empty_long_or_control_names_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError) as error:
        check_name(name)
    assert field_of(error) == ["name"]


@pytest.mark.parametrize(
    "name",
    [
        "ChatGPT Widescreen 🖥️",  # U+FE0F: the emoji presentation of U+1F5A5
        "Keycap 1️⃣",
        "Dev 👩🏽‍💻",  # skin tone, then a zero-width joiner between two emoji
        "Family 👨‍👩‍👧‍👦",
        "Pride 🏳️‍🌈",
        "Flags 🇫🇷🇯🇵",
        "Scotland 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    ],
)
def test_names_with_emoji_sequences_pass(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "zero\u200bwidth",
        "joined\u200dletters",  # a joiner between letters joins no emoji
        "🖥\u200d",  # nor one with nothing after it
        "\ufe0fselector first",
        "two selectors 🖥\ufe0f\ufe0f",
        "isolate \u2066x\u2069",
        "stray tag \U000e0067",
        "unended flag 🏴\U000e0067\U000e0062",
        "flag then text 🏴\U000e0067x\U000e007f",
    ],
)
def test_invisible_characters_outside_emoji_sequences_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="invisible"):
        check_name(name)


def test_descriptions_allow_newlines_up_to_5000_characters() -> None:
    assert check_description("") == ""
    assert check_description("a\nb\r\n\tc" + "x" * 4993) is not None
    for bad in ("x" * 5001, "nul\x00", "esc\x1b"):
        with pytest.raises(ValidationError):
            check_description(bad)


@pytest.mark.parametrize(
    "license_",
    [
        "MIT",
        "GPL-3.0-or-later",
        "Apache-2.0 OR MIT",
        "(MIT AND BSD-2-Clause) OR GPL-2.0+",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "LicenseRef-my-own",
        "DocumentRef-spdx:LicenseRef-x",
    ],
)
def test_spdx_identifiers_and_expressions_are_licenses(license_: str) -> None:
    assert check_license(license_) == license_


@pytest.mark.parametrize(
    "license_",
    ["", "MIT license", "MIT OR", "OR MIT", "(MIT", "MIT)", "MIT WITH", "MIT/Apache", "x" * 201],
)
def test_other_license_text_is_rejected(license_: str) -> None:
    with pytest.raises(ValidationError) as error:
        check_license(license_)
    assert field_of(error) == ["license"]


def test_no_license_is_allowed() -> None:
    assert check_license(None) is None


def test_tags_are_lower_cased_and_deduplicated_in_order() -> None:
    assert normalize_tags(["Dark", "theme", "dark", " UI-2 "]) == ["dark", "theme", "ui-2"]
    assert normalize_tags([f"t{n}" for n in range(10)] + ["t0"]) == [f"t{n}" for n in range(10)]


def test_bad_tags_are_each_named_and_eleven_are_too_many() -> None:
    with pytest.raises(ValidationError) as error:
        normalize_tags(["ok", "no space", "", "x" * 33, "ünï"])
    assert field_of(error) == ["tags[1]", "tags[2]", "tags[3]", "tags[4]"]
    with pytest.raises(ValidationError) as error:
        normalize_tags([f"t{n}" for n in range(11)])
    assert field_of(error) == ["tags"]


@pytest.mark.parametrize("slug", ["abc", "dark-mode-2", "x" * 64])
def test_slugs_of_3_to_64_safe_characters_pass(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["ab", "x" * 65, "Dark", "a_b", "a b", "ümlaut"])
def test_other_slugs_are_rejected(slug: str) -> None:
    with pytest.raises(ValidationError):
        check_slug(slug)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Dark Mode Everywhere!", "dark-mode-everywhere"),
        ("  Café -- Crème ", "cafe-creme"),
        ("YouTube™ 2.0", "youtubetm-2-0"),
        ("Go", "go-script"),
        ("名前", "script"),
        ("!!!", "script"),
        ("x" * 70, "x" * 64),
        ("a" * 63 + " b", "a" * 63),
    ],
)
def test_slugify_derives_a_valid_slug_from_any_name(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert check_slug(slugify(name))


def test_numbered_slugs_fit_the_limit() -> None:
    assert numbered_slug("dark-mode", 2) == "dark-mode-2"
    assert numbered_slug("x" * 64, 12) == "x" * 61 + "-12"
    assert check_slug(numbered_slug("a" * 62 + "-b", 3))


def test_code_is_1_byte_to_2_mib_of_utf8_without_nul() -> None:
    assert check_code("x") == b"x"
    assert len(check_code("é" * (MAX_CODE_BYTES // 2))) == MAX_CODE_BYTES
    with pytest.raises(PayloadTooLargeError):
        check_code("x" * (MAX_CODE_BYTES + 1))
    with pytest.raises(PayloadTooLargeError):
        check_code("é" * (MAX_CODE_BYTES // 2) + "x")
    for bad in ("", "a\x00b", "lone \ud800 surrogate"):
        with pytest.raises(ValidationError) as error:
            check_code(bad)
        assert field_of(error) == ["code"]


def test_the_digest_is_the_size_and_sha256_of_the_utf8_bytes() -> None:
    code = "// é\n"
    assert code_digest(code) == (6, hashlib.sha256(code.encode()).hexdigest())


def test_scores_are_1_to_5() -> None:
    assert [check_score(n) for n in range(1, 6)] == [1, 2, 3, 4, 5]
    for bad in (0, 6, -1):
        with pytest.raises(ValidationError):
            check_score(bad)


def test_the_rating_average_has_two_decimals_and_none_without_ratings() -> None:
    assert RatingTotals(0, 0).rating_avg is None
    assert RatingTotals(5, 3).rating_avg == 1.67
    assert RatingTotals(9, 2).rating_avg == 4.5


def test_search_words_are_folded_runs_of_letters_and_digits() -> None:
    assert search_terms("Café-Crème v1.2_beta STRASSE Straße") == [
        "cafe",
        "creme",
        "v1",
        "2",
        "beta",
        "strasse",
        "strasse",
    ]
    assert search_terms("İstanbul") == ["istanbul"]
    assert search_terms("'\" OR * ()") == ["or"]
    assert search_terms("x" * 65 + " ok") == ["ok"]


def test_cjk_runs_are_split_off_and_cut_into_pairs_then_their_last_character() -> None:
    assert search_terms("解除CSDN登录复制") == ["解除", "除", "csdn", "登录", "录复", "复制", "制"]
    assert search_terms("名") == ["名"]
    assert search_terms("動画をDL") == ["動画", "画を", "を", "dl"]
    # Half-width kana and their voicing marks, and Hangul syllables, come back whole.
    assert search_terms("ｶﾞｲﾄﾞ") == search_terms("ガイド") == ["ガイ", "イド", "ド"]
    assert search_terms("ガ") != search_terms("カ")
    assert search_terms("한국어") == ["한국", "국어", "어"]
    assert search_terms("x" * 65 + "名") == ["名"]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("登录", ["登录"]),
        ("解除CSDN登录复制", ["解除", "csdn", "登录", "录复", "复制"]),
        ("复", ["复"]),
        ("复 复", ["复", "复"]),
        ("aa a", ["aa", "a"]),
        ("", []),
    ],
)
def test_a_search_leaves_out_the_last_character_its_last_cjk_pair_implies(
    text: str, terms: list[str]
) -> None:
    assert searched_terms(text) == terms
