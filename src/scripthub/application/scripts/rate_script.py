"""Rate a script, or change one's rating of it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.domain.errors import ForbiddenError, NotFoundError
from scripthub.domain.scripts import Rating, check_score


@dataclass(frozen=True)
class RateScriptCommand:
    principal: Principal
    script_id: uuid.UUID
    score: int


@dataclass(frozen=True)
class ScriptRating:
    """A script's rating totals, with the caller's own score (None: not rated)."""

    rating_avg: float | None
    rating_count: int
    my_score: int | None


class RateScript:
    """One score (1 to 5) per user per script: a new one replaces the earlier. Nobody rates
    their own script (ForbiddenError). The totals are counted in the store from the
    committed scores, so concurrent raters never lose each other's.

    Ratings are not audited: they are the users' opinions, not changes to the catalogue
    (API.md lists no rating action), and each is kept with its time."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def execute(self, command: RateScriptCommand) -> ScriptRating:
        score = check_score(command.score)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            user_id = command.principal.user_id
            script = await load_visible_script(uow, str(command.script_id), command.principal)
            if script.owner_id == user_id:
                raise ForbiddenError("You cannot rate your own script.")
            totals = await uow.scripts.rate(Rating(script.id, user_id, score, now, now))
            if totals is None:
                raise NotFoundError("Script not found.")
            await uow.commit()
        return ScriptRating(totals.rating_avg, totals.rating_count, score)
