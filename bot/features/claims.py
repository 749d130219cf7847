"""Expense claims, from a finished ``expense-claim`` flow to a coordinator's decision.

A claim the participant confirmed is kept (money in whole pence; mileage as
miles times the configured rate). The coordinators of their groups get it, with
the receipt photo when there is one, and Approve / Turn down buttons on
Telegram (or ``APPROVE 12`` / ``REJECT 12`` by text). Turning a claim down asks
the coordinator for the reason, in words the participant will read. The
participant is told each decision; every decision is in the audit log.

Statuses: submitted, then approved or rejected, then (approved ones) paid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_currency

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.engine.definition import text_for
from bot.engine.values import from_json
from bot.features import roles
from bot.host.conversations import Conversations, Say
from bot.host.hooks import AS_IT_WAS, Release
from bot.language import texts, when
from storage import audit, claims, drafts, groups, participants
from storage.db import Tx
from storage.models import Claim, FlowSession, Message, Participant

FLOW = "expense-claim"
TYPED = re.compile(r"^\s*(approve|reject)\s*#?\s*(\d{1,9})\b[\s:,.-]*(.*)$", re.IGNORECASE | re.DOTALL)
BACK = {"back", "undo", "leave it", "nol", "yn ôl", "yn ol"}
REASON_TIME = timedelta(hours=2)  # how long copro waits for a coordinator's reason

CATEGORIES = {
    "travel": {"en": "travel", "cy": "teithio"},
    "mileage": {"en": "mileage", "cy": "milltiroedd"},
    "food": {"en": "food", "cy": "bwyd"},
    "care": {"en": "carer or childcare costs", "cy": "costau gofalwr neu ofal plant"},
    "other": {"en": "something else", "cy": "rhywbeth arall"},
}
PAYMENTS = {
    "bank": {"en": "bank transfer", "cy": "i'w cyfrif banc"},
    "cash": {"en": "cash", "cy": "arian parod"},
    "charity": {"en": "pay it to a charity", "cy": "ei roi i elusen"},
    "decline": {"en": "does not want paying", "cy": "dim angen talu"},
}
DECISIONS = {  # "Claim 12 is approved." / "Mae cais 12 wedi'i gymeradwyo."
    "approved": {"en": "approved", "cy": "gymeradwyo"},
    "rejected": {"en": "turned down", "cy": "wrthod"},
    "paid": {"en": "paid", "cy": "dalu"},
    "submitted": {"en": "waiting for a decision", "cy": "gyflwyno"},
}


def pounds(pence: int, lang: str = "en") -> str:
    return str(format_currency(Decimal(pence) / 100, "GBP", locale=when.locale(lang)))


def to_pence(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Claims:
    def __init__(
        self, conversations: Conversations, config: Config, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.conversations = conversations
        self.config = config
        self.clock = clock

    def register(self) -> None:
        self.conversations.on_end(FLOW, self.finished)
        self.conversations.on_action("claim", self.tapped)
        self.conversations.intercept(self.typed)
        self.conversations.on_release("claim", self.still_open)

    # --- a claim comes in ------------------------------------------------------------------

    async def finished(
        self, s: Tx, person: Participant, row: FlowSession, results: Mapping[str, Any]
    ) -> None:
        """The flow ended: keep the claim if it was confirmed, and send it to the coordinators."""
        answers = from_json(dict(results)) if results else {}
        amount = answers.get("amount")
        if answers.get("confirm") != "confirm" or amount is None:
            return
        miles = answers.get("miles") if answers.get("category") == "mileage" else None
        receipt = answers.get("receipt") or []
        group_ids = [g.id for g in await groups.groups_of(s, person.id)]
        claim = await claims.submit(
            s, participant_id=person.id, session_id=row.id,
            group_id=group_ids[0] if group_ids else None,
            category=str(answers.get("category") or "other"), activity=answers.get("activity"),
            spent_on=answers.get("date") if isinstance(answers.get("date"), date) else None,
            amount_pence=to_pence(Decimal(str(amount))),
            miles=Decimal(str(miles)) if miles is not None else None,
            rate=self.config.expenses.mileage_rate if miles is not None else None,
            receipt=str(receipt[0]) if receipt else None,
            payment=str(answers.get("payment") or "bank"), at=self.clock(),
        )
        if claim is None:
            return
        await audit.record(s, kind="claim_submitted", actor="participant", participant_id=person.id,
                           details={"claim": claim.id, "pence": claim.amount_pence}, at=self.clock())
        for coordinator in await groups.people_with_role(s, group_ids, ["coordinator"]):
            if coordinator.id != person.id:
                await self.offer(s, claim, coordinator)

    async def offer(
        self, s: Tx, claim: Claim, coordinator: Participant, *, asked: Say | None = None
    ) -> None:
        """Send ``claim`` to a coordinator to decide: on the channel they use for copro work,
        or (``asked``: they asked to see it) in answer, on the channel they asked on."""
        person = await participants.get(s, claim.participant_id) if claim.participant_id else None
        lang = coordinator.language
        buttons = [
            {"label": text_for(texts.CLAIM_APPROVE_BUTTON, lang), "data": f"claim:{claim.id}:approve"},
            {"label": text_for(texts.CLAIM_REJECT_BUTTON, lang), "data": f"claim:{claim.id}:reject"},
        ]
        scope = {"claim": self._view(claim, lang), "person": _who(person)}
        if asked is not None:
            await asked(texts.CLAIM_FOR_COORDINATORS, scope, {"buttons": buttons}, claim.receipt)
            return
        await self.conversations.say_in(
            s, coordinator, texts.CLAIM_FOR_COORDINATORS, key=f"claim:{claim.id}:{coordinator.id}",
            scope=scope, topic=f"claim:{claim.id}", display={"buttons": buttons},
            photo=claim.receipt, staff=True,
        )

    async def still_open(self, s: Tx, message: Message, now: datetime) -> Release:
        """A claim's Approve / Turn down notice that waited (contact hours) goes only while the
        claim is still undecided: one decided overnight is not offered again in the morning."""
        if not message.display.get("buttons"):
            return AS_IT_WAS  # the claimant's own news of a decision stays true
        claim_id = int((message.topic or "").split(":")[1])
        claim = await claims.get(s, claim_id)
        if claim is None or claim.status != "submitted":
            return Release(gone=f"claim {claim_id} is already {claim.status if claim else 'gone'}")
        return AS_IT_WAS

    # --- deciding ------------------------------------------------------------------------

    async def tapped(self, s: Tx, actor: Participant, args: list[str], say: Say) -> None:
        if len(args) == 2 and args[0].isdigit() and args[1] in ("approve", "reject"):
            await self._command(s, actor, args[1], int(args[0]), "", say)

    async def typed(self, s: Tx, actor: Participant, text: str, say: Say) -> bool:
        """``APPROVE 12``, ``REJECT 12 no receipt``, or the reason copro asked for."""
        found = TYPED.match(text)
        if found is not None:
            await self._command(s, actor, found[1].lower(), int(found[2]), found[3].strip(), say)
            return True
        draft = await drafts.current(s, actor.id, now=self.clock())
        if draft is None or draft.command != "reject-claim":
            return False
        await drafts.clear(s, actor.id)
        claim = await claims.get(s, int(draft.state["claim"]))
        if claim is None:
            return True
        if text.strip().lower() in BACK:
            await say(texts.CLAIM_LEFT, {"claim": {"id": claim.id}})
            return True
        await self.decide(s, claim.id, actor, "rejected", text.strip(), say)
        return True

    async def _command(
        self, s: Tx, actor: Participant, verb: str, claim_id: int, reason: str, say: Say
    ) -> None:
        if verb == "approve":
            await self.decide(s, claim_id, actor, "approved", None, say)
            return
        if reason:
            await self.decide(s, claim_id, actor, "rejected", reason, say)
            return
        claim = await self._theirs(s, claim_id, actor, say)
        if claim is None or not await self._undecided(s, claim, actor, say):
            return
        person = await participants.get(s, claim.participant_id) if claim.participant_id else None
        await drafts.begin(s, actor.id, command="reject-claim", step="reason",
                           state={"claim": claim.id}, expires_at=self.clock() + REASON_TIME,
                           now=self.clock())
        await say(texts.CLAIM_ASK_REASON, {"claim": {"id": claim.id}, "person": _who(person)})

    async def decide(
        self, s: Tx, claim_id: int, actor: Participant | None, status: str,
        reason: str | None, say: Say | None = None, *, by: str = "command line",
    ) -> Claim | None:
        """Approve or turn down a claim; ``actor`` None is the command line, ``by`` who is at it
        ("ann (command line)"). Tells the claimant."""
        claim = await self._theirs(s, claim_id, actor, say)
        if claim is None or not await self._undecided(s, claim, actor, say):
            return None
        await claims.decide(s, claim, status=status, by=actor.id if actor else None,
                            reason=reason, at=self.clock(), decider=by)
        await audit.record(s, kind=f"claim_{status}", actor=_actor(actor) if actor else by,
                           participant_id=claim.participant_id,
                           details={"claim": claim.id, "by": actor.id if actor else None,
                                    "reason": reason}, at=self.clock())
        person = await self._tell(s, claim, texts.CLAIM_APPROVED if status == "approved"
                                  else texts.CLAIM_REJECTED)
        if say is not None and actor is not None:
            await say(texts.CLAIM_DECIDED, {"claim": self._view(claim, actor.language),
                                            "person": _who(person)})
        return claim

    async def mark_paid(self, s: Tx, claim: Claim, *, by: str = "command line") -> None:
        """An approved claim has been paid (``copro claims mark-paid``, ``by`` whom); tells the
        claimant."""
        await claims.mark_paid(s, claim, at=self.clock())
        await audit.record(s, kind="claim_paid", actor=by,
                           participant_id=claim.participant_id, details={"claim": claim.id},
                           at=self.clock())
        if claim.payment != "decline":
            await self._tell(s, claim, texts.CLAIM_PAID)

    async def _tell(self, s: Tx, claim: Claim, text: Mapping[str, str]) -> Participant | None:
        person = await participants.get(s, claim.participant_id) if claim.participant_id else None
        if person is not None:
            await self.conversations.say_in(
                s, person, dict(text), key=f"claim:{claim.id}:{claim.status}:told",
                scope={"claim": self._view(claim, person.language)}, topic=f"claim:{claim.id}",
            )
        return person

    async def _theirs(
        self, s: Tx, claim_id: int, actor: Participant | None, say: Say | None
    ) -> Claim | None:
        claim = await claims.get(s, claim_id)
        if claim is None or (actor is not None and not await roles.coordinates(s, actor, claim.group_id)):
            if say is not None:
                await say(texts.CLAIM_UNKNOWN, {"number": claim_id})
            return None
        return claim

    async def _undecided(
        self, s: Tx, claim: Claim, actor: Participant | None, say: Say | None
    ) -> bool:
        if claim.status == "submitted":
            return True
        if say is not None and actor is not None:
            by = await participants.get(s, claim.decided_by) if claim.decided_by else None
            await say(texts.CLAIM_ALREADY, {"claim": self._view(claim, actor.language),
                                            "by": by.full_name if by else None})
        return False

    def _view(self, claim: Claim, lang: str) -> dict[str, Any]:
        """What a message about ``claim`` may say, in ``lang``."""
        return {
            "id": claim.id,
            "amount": pounds(claim.amount_pence, lang),
            "what": text_for(CATEGORIES.get(claim.category, CATEGORIES["other"]), lang),
            "miles": f"{claim.miles:f}" if claim.miles is not None else None,
            "rate": pounds(to_pence(claim.rate), lang) if claim.rate is not None else None,
            "day": when.day(claim.spent_on, lang) if claim.spent_on else "-",
            "activity": claim.activity or "-",
            "receipt": text_for({"en": "yes (a photo)", "cy": "oes (llun)"} if claim.receipt
                                else {"en": "none", "cy": "dim"}, lang),
            "payment": text_for(PAYMENTS.get(claim.payment, PAYMENTS["bank"]), lang),
            "payment_code": claim.payment,
            "status": text_for(DECISIONS.get(claim.status, DECISIONS["submitted"]), lang),
            "reason": claim.reason or "",
        }


def _who(person: Participant | None) -> dict[str, str]:
    if person is None:
        return {"name": "the claimant"}
    return {"name": person.full_name or f"participant {person.id}"}


def _actor(actor: Participant | None) -> str:
    return f"participant:{actor.id}" if actor is not None else "command line"
