"""``copro claims``: expense claims for whoever runs the service and the finance team."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import click

from bot.cli._common import (
    DAY,
    State,
    actor,
    database,
    day_range,
    deciding,
    group_named,
    host,
    pass_state,
    run,
)
from bot.core import csvfiles as _csv
from bot.core.files import private_folder, write_private
from bot.engine.definition import text_for
from bot.features import roles
from bot.features.claims import CATEGORIES, PAYMENTS, Claims
from storage import claims, groups, participants
from storage.db import Tx
from storage.models import CLAIM_STATUSES, Claim, Participant

EXPORT_COLUMNS = [
    "claim", "claimant", "group", "meeting", "category", "amount", "miles", "rate", "spent_on",
    "receipt_file", "payment_preference", "decision", "decided_by", "decided_at", "reason",
    "made_at", "paid_at",
]


@click.group("claims")
def claims_group() -> None:
    """List, decide, export and mark paid expense claims."""


@claims_group.command("list")
@click.option("--status", type=click.Choice(CLAIM_STATUSES), help="Only claims with this status.")
@click.option("--group", "group_name", help="Only claims from this group.")
@pass_state
def list_claims(state: State, status: str | None, group_name: str | None) -> None:
    """Claims, oldest first: number, date, claimant, amount, what for, status."""

    async def work() -> None:
        async with database(state.config) as db, db.transaction() as s:
            group_ids = [(await group_named(s, group_name)).id] if group_name else None
            found = await claims.listed(s, statuses=[status] if status else None, group_ids=group_ids)
            if not found:
                click.echo("No claims.")
            for c in found:
                who = await participants.get(s, c.participant_id) if c.participant_id else None
                click.echo(
                    f"{c.id:>5}  {c.created_at:%Y-%m-%d}  {_name(who, c):<24.24}  "
                    f"£{Decimal(c.amount_pence) / 100:>8.2f}  {c.category:<8}  {c.status}"
                    f"{'  (does not want paying)' if c.payment == 'decline' else ''}"
                )

    run(work())


@claims_group.command("approve")
@click.argument("claim_id", type=int)
@pass_state
def approve(state: State, claim_id: int) -> None:
    """Approve a claim; the claimant is told."""
    _decide(state, claim_id, "approved", None)


@claims_group.command("reject")
@click.argument("claim_id", type=int)
@click.option("--reason", required=True,
              help="Why, in plain words: it is sent to the claimant as written.")
@pass_state
def reject(state: State, claim_id: int, reason: str) -> None:
    """Turn a claim down, saying why; the claimant is told."""
    if not reason.strip():
        raise click.BadParameter("give the reason the claimant will read", param_hint="--reason")
    _decide(state, claim_id, "rejected", reason.strip())


def _decide(state: State, claim_id: int, status: str, reason: str | None) -> None:
    async def work() -> None:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                found = await claims.get(s, claim_id)
                if found is None:
                    raise click.ClickException(f"there is no claim {claim_id}")
                if found.status != "submitted":
                    raise click.ClickException(f"claim {claim_id} is already {found.status}")
                person, name = await deciding(s, state)
                if person is not None and not await roles.coordinates(s, person, found.group_id):
                    raise click.ClickException(
                        f"{name} does not coordinate the group of claim {claim_id}; nothing was decided")
                await Claims(conversations, state.config).decide(s, claim_id, person, status, reason,
                                                                 by=name)
        click.echo(f"Claim {claim_id} is {status} by {name}; the claimant has been told.")
        return None

    run(work())


@claims_group.command("mark-paid")
@click.argument("claim_ids", type=int, nargs=-1, required=True)
@pass_state
def mark_paid(state: State, claim_ids: tuple[int, ...]) -> None:
    """Record that approved claims have been paid; each claimant is told."""

    async def work() -> None:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                found = []
                for claim_id in claim_ids:
                    claim = await claims.get(s, claim_id)
                    if claim is None:
                        raise click.ClickException(f"there is no claim {claim_id}; nothing was marked")
                    if claim.status != "approved":
                        raise click.ClickException(
                            f"claim {claim_id} is {claim.status}, not approved; nothing was marked")
                    found.append(claim)
                handler, by = Claims(conversations, state.config), await actor(s, state)
                for claim in found:
                    await handler.mark_paid(s, claim, by=by)
        click.echo(f"Marked {len(claim_ids)} claim(s) paid.")

    run(work())


@claims_group.command("export")
@click.option("--from", "start", type=DAY, help="First day of claims made (YYYY-MM-DD).")
@click.option("--to", "end", type=DAY, help="Last day of claims made (YYYY-MM-DD).")
@click.option("--status", type=click.Choice(CLAIM_STATUSES), help="Only this status.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the CSV here (default: the screen).")
@pass_state
def export(
    state: State, start: datetime | None, end: datetime | None, status: str | None,
    output: Path | None,
) -> None:
    """Claims as CSV for a finance team, amounts in pounds.

    Claims from people who said they do not want paying are kept but left out.
    """
    since, until = day_range(start, end, state.config.timezone)

    async def work() -> tuple[list[dict[str, str]], int]:
        async with database(state.config) as db, db.transaction() as s:
            found = await claims.listed(s, statuses=[status] if status else None, since=since,
                                        until=until)
            rows = [await _row(s, c) for c in found if c.payment != "decline"]
            return rows, sum(c.payment == "decline" for c in found)

    rows, declined = run(work())
    folder = None if output is None else output.with_name(f"{output.stem}-receipts")
    copied = _receipts(rows, folder)
    _csv.write(output, EXPORT_COLUMNS, rows)
    click.echo(f"{len(rows)} claim(s) exported" + (f"; {declined} that did not want paying left out"
                                                   if declined else "") + ".", err=True)
    if folder is not None and copied:
        click.echo(f"{copied} receipt photo(s) in {folder}/, named as in receipt_file.", err=True)
    elif folder is None and any(r["receipt_file"] for r in rows):
        click.echo("Give --output to have the receipt photos written beside the CSV.", err=True)


def _receipts(rows: list[dict[str, str]], folder: Path | None) -> int:
    """Copy each row's receipt into ``folder`` as claim-N.jpg; the CSV names that file."""
    copied = 0
    for row in rows:
        source = Path(row["receipt_file"]) if row["receipt_file"] else None
        if source is None:
            continue
        name = f"claim-{row['claim']}{source.suffix or '.jpg'}"
        row["receipt_file"] = name
        if folder is None or not source.is_file():
            continue
        write_private(private_folder(folder) / name, source.read_bytes())
        row["receipt_file"] = f"{folder.name}/{name}"
        copied += 1
    return copied


async def _row(s: Tx, c: Claim) -> dict[str, str]:
    who = await participants.get(s, c.participant_id) if c.participant_id else None
    decider = await participants.get(s, c.decided_by) if c.decided_by else None
    group = await groups.get_group(s, c.group_id) if c.group_id else None
    decided_by = "" if c.decided_at is None else (
        decider.full_name or f"participant {decider.id}" if decider
        else c.decider or "admin (command line)")
    return {
        "claim": str(c.id), "claimant": _name(who, c), "group": group.name if group else "",
        "meeting": c.activity or "", "category": text_for(CATEGORIES.get(c.category, {}), "en")
        or c.category, "amount": f"{Decimal(c.amount_pence) / 100:.2f}",
        "miles": f"{c.miles:f}" if c.miles is not None else "",
        "rate": f"{c.rate:f}" if c.rate is not None else "",
        "spent_on": c.spent_on.isoformat() if c.spent_on else "", "receipt_file": c.receipt or "",
        "payment_preference": text_for(PAYMENTS.get(c.payment, {}), "en") or c.payment,
        "decision": c.status, "decided_by": decided_by,
        "decided_at": c.decided_at.isoformat(timespec="minutes") if c.decided_at else "",
        "reason": c.reason or "", "made_at": c.created_at.isoformat(timespec="minutes"),
        "paid_at": c.paid_at.isoformat(timespec="minutes") if c.paid_at else "",
    }


def _name(person: Participant | None, claim: Claim) -> str:
    if person is not None and person.full_name:
        return person.full_name
    return f"participant {claim.participant_id}" if claim.participant_id else "(erased)"
