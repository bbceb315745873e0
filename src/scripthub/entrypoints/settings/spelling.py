"""Name the SCRIPTHUB_* variables nothing reads: a typo would otherwise leave a default on."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable

from scripthub.entrypoints.settings.oauth import oauth_variable_names
from scripthub.entrypoints.settings.parsers import PARSERS, PREFIX

logger = logging.getLogger(__name__)

TEST_SUITE_VARIABLES = (f"{PREFIX}TEST_", f"{PREFIX}REQUIRE_SERVICES")
"""Read by the test suite, not by the server (README, "Two commands")."""


def known_variables() -> set[str]:
    return {PREFIX + name.upper() for name in PARSERS} | oauth_variable_names()


def warn_about_unknown_variables(names: Iterable[str]) -> None:
    """Log a warning for each SCRIPTHUB_* name that is not a setting, with the closest one."""
    known = known_variables()
    for name in sorted(names):
        if not name.startswith(PREFIX) or name in known or name.startswith(TEST_SUITE_VARIABLES):
            continue
        closest = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {closest[0]}?" if closest else ""
        logger.warning("%s is not a ScriptHub setting and is ignored%s", name, hint)
