"""`@version` ordering as Tampermonkey and Violentmonkey see it, to refuse non-updates.

A new version is published only if both managers would install it as an update of the latest
one: a version one of them ranks lower or equal would never reach its users.
"""

from __future__ import annotations

import math
import re

# --- Violentmonkey -------------------------------------------------------------------------
# A port of `compareVersion` in violentmonkey/violentmonkey `src/common/util.js`, used by
# `src/background/utils/update.js` (an update when `compareVersion(installed, remote) < 0`), and
# checked against that repository's `test/common/index.test.js`. JavaScript details kept:
# the pre-release regexp is not anchored at the end, `.` does not match line terminators,
# `parseInt` skips JavaScript whitespace and reads an optional sign, and numbers are doubles.

_VM_PRERELEASE = re.compile(r"([^\n\r\u2028\u2029]*?)-([-.0-9a-zA-Z]+)")
_VM_DIGITS = re.compile(r"[0-9]+")
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # noqa: E501
_JS_PARSE_INT = re.compile(r"[+-]?[0-9]+")


def _js_parse_int(text: str) -> float:
    match = _JS_PARSE_INT.match(text.lstrip(_JS_WHITESPACE))
    return float(match[0]) if match else math.nan  # float("1e400"-like digits) is inf, as in JS


def _sign(delta: float) -> int:
    return (delta > 0) - (delta < 0)  # NaN (inf - inf) counts as equal, as `!delta` does in JS


def _vm_chunk(a: str, b: str, *, semver: bool) -> int:
    parts_a, parts_b = a.split("."), b.split(".")
    length = (min if semver else max)(len(parts_a), len(parts_b))
    for index in range(length):
        if semver:
            x, y = parts_a[index], parts_b[index]
            both_digits = _VM_DIGITS.fullmatch(x) and _VM_DIGITS.fullmatch(y)
            delta = _sign(float(x) - float(y)) if both_digits else (x > y) - (x < y)
        else:
            x_num = _js_parse_int(parts_a[index]) if index < len(parts_a) else math.nan
            y_num = _js_parse_int(parts_b[index]) if index < len(parts_b) else math.nan
            # `parseInt(...) || 0`: NaN becomes 0
            delta = _sign((0 if math.isnan(x_num) else x_num) - (0 if math.isnan(y_num) else y_num))
        if delta:
            return delta
    return _sign(len(parts_a) - len(parts_b)) if semver else 0


def compare_violentmonkey(a: str, b: str) -> int:
    """-1, 0 or 1 as Violentmonkey orders versions `a` and `b`.

    Dotted parts are read with `parseInt`, so letter suffixes are ignored (`1.1a` == `1.1b`); a
    `-pre.release` makes a version lower than the same one without, and pre-releases compare
    like SemVer's.
    """
    match_a, match_b = _VM_PRERELEASE.match(a), _VM_PRERELEASE.match(b)
    main_a, pre_a = (match_a[1], match_a[2]) if match_a else (a, None)
    main_b, pre_b = (match_b[1], match_b[2]) if match_b else (b, None)
    delta = _vm_chunk(main_a, main_b, semver=False)
    if delta:
        return delta
    if (pre_a is None) != (pre_b is None):
        return 1 if pre_a is None else -1  # 1.2.3-pre-release is less than 1.2.3
    if pre_a is None or pre_b is None:
        return 0
    return _vm_chunk(pre_a, pre_b, semver=True)


# --- Tampermonkey --------------------------------------------------------------------------
# Tampermonkey's source is closed; its documentation (tampermonkey.net/documentation.php,
# `@version`) gives the order as a list, which this model reproduces (see the unit tests):
# - An ISO date `YYYY-MM-DD`, with an optional `_HH-MM` time, reads as dotted numbers (the 5.0
#   changelog: "version number parser ... support ISO format dates").
# - The rest splits at the first `-` or `+` into a main part and a suffix; main parts beyond the
#   fourth join the suffix (`1.1.1.1.2` < `1.1.1.1`).
# - Main parts compare like Mozilla's toolkit versions: each part is number, string, number,
#   string; a missing number is 0 and a missing string ranks above any string (`1.1a` < `1.1`).
# - A version with a suffix ranks below the same main part without one (`1.12+4` < `1.12`).
#   Suffixes compare dot by dot, a missing item as `0` (`1.12+1` == `1.12+1.0`), numbers below
#   words (`-0.3.7` < `-alpha`), words like main parts (`Alpha-v2` < `Alpha-v10`).
# Known gap: the list puts `2023-08-17+alpha` above `2023-08-17_14-04`; this model ranks a `+`
# suffix below the bare date, as everywhere else.

_TM_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:_([0-9]+)-([0-9]+))?")
_TM_SPLIT = re.compile(r"[-+]")
_TM_PART = re.compile(r"([0-9]*)([^0-9]*)([0-9]*)(.*)", re.DOTALL)
_TM_DIGITS = re.compile(r"[0-9]+")
_TM_MAIN_PARTS = 4

_Number = tuple[int, str]  # digits compared by value, without the size limits of int()
_MozillaPart = tuple[_Number, bool, str, _Number, bool, str]
_Key = tuple[int, _Number, _MozillaPart]


def _number(digits: str) -> _Number:
    significant = digits.lstrip("0")
    return (len(significant), significant)


def _tm_part(text: str) -> _MozillaPart:
    match = _TM_PART.fullmatch(text)
    a, b, c, d = match.groups() if match else ("", "", "", "")
    # (number, no string?, string, ...): a missing string sorts above any string
    return (_number(a), not b, b, _number(c), not d, d)


def _main_key(text: str) -> _Key:
    return (0, _number(""), _tm_part(text))


def _suffix_key(text: str) -> _Key:
    if _TM_DIGITS.fullmatch(text):
        return (0, _number(text), _tm_part(""))
    return (1, _number(""), _tm_part(text))


def _tm_split(version: str) -> tuple[list[str], list[str] | None]:
    date = _TM_DATE.match(version)
    if date:
        numbers = ".".join(group for group in date.groups() if group is not None)
        version = numbers + version[date.end() :]
    separator = _TM_SPLIT.search(version)
    main = version[: separator.start()] if separator else version
    suffix = version[separator.end() :].split(".") if separator else None
    parts = main.split(".")
    if len(parts) > _TM_MAIN_PARTS:
        suffix = parts[_TM_MAIN_PARTS:] + (suffix or [])
        parts = parts[:_TM_MAIN_PARTS]
    return parts, suffix


def _tm_compare_parts(a: list[str], b: list[str], *, suffix: bool) -> int:
    key, filler = (_suffix_key, "0") if suffix else (_main_key, "")
    for index in range(max(len(a), len(b))):
        x = key(a[index] if index < len(a) else filler)
        y = key(b[index] if index < len(b) else filler)
        if x != y:
            return 1 if x > y else -1
    return 0


def compare_tampermonkey(a: str, b: str) -> int:
    """-1, 0 or 1 as Tampermonkey orders versions `a` and `b` (its documented order)."""
    main_a, suffix_a = _tm_split(a)
    main_b, suffix_b = _tm_split(b)
    delta = _tm_compare_parts(main_a, main_b, suffix=False)
    if delta:
        return delta
    if (suffix_a is None) != (suffix_b is None):
        return 1 if suffix_a is None else -1
    if suffix_a is None or suffix_b is None:
        return 0
    return _tm_compare_parts(suffix_a, suffix_b, suffix=True)


def update_refusal(latest: str, new: str) -> str | None:
    """Why `new` cannot follow `latest`: the managers that would not update, or None."""
    refusing = [
        manager
        for manager, compare in (
            ("Tampermonkey", compare_tampermonkey),
            ("Violentmonkey", compare_violentmonkey),
        )
        if compare(latest, new) >= 0
    ]
    if not refusing:
        return None
    return f"{' and '.join(refusing)} would not update from {latest} to {new}"
