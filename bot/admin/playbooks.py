"""/loops playbook …: the next steps suggested on cards; built-ins can be overridden and restored."""

from __future__ import annotations

from bot.admin.config.parse import TEAM_NAME
from bot.admin.registry import Invocation, Subcommand, need
from bot.admin.routes import parse_matchers
from bot.durations import InvalidDuration, format_duration, parse_duration
from bot.errors import CommandError
from bot.loops.playbooks import BUILT_IN, BUILT_IN_NAMES, effective_playbooks
from models.playbook import PlaybookRecord, get_playbook_record, list_playbook_records
from models.workspace import get_or_create_workspace

ADD = '/loops playbook add refunds comment=~refund do "Check the refund went through" within 4h'


def snapshot(record: PlaybookRecord | None) -> dict | None:
    if record is None:
        return None
    return {
        "name": record.name,
        "match": list(record.matchers),
        "steps": list(record.steps),
        "final": record.final,
        "disabled": record.disabled,
    }


def list_(inv: Invocation) -> str:
    records = {r.name: r for r in list_playbook_records(session=inv.session, workspace_id=inv.workspace_id)}
    lines = ["*Playbooks* (checked in this order; steps of every match are suggested until a final one)"]
    for playbook in effective_playbooks(list(records.values())):
        origin = (
            "built-in, overridden"
            if playbook.name in BUILT_IN_NAMES and playbook.name in records
            else "built-in"
            if playbook.name in BUILT_IN_NAMES
            else "yours"
        )
        steps = "; ".join(f"{s.text} (within {format_duration(s.within)})" for s in playbook.steps)
        matchers = " ".join(f"`{m}`" for m in playbook.matchers)
        lines.append(f"• *{playbook.name}* ({origin}{', final' if playbook.final else ''}) {matchers} → {steps}")
    for name, record in records.items():
        if record.disabled:
            lines.append(f"• ~{name}~ (built-in, switched off — `/loops playbook restore {name}`)")
    return "\n".join(lines)


def add(inv: Invocation) -> str:
    args = inv.args
    need(args, 5, what='a name, matchers, do "<step>" and within <duration>', example=ADD)
    name = args[0].lower()
    if not TEAM_NAME.match(name):
        raise CommandError(f"`{args[0]}` cannot be a playbook name: lowercase letters, digits, - or _", example=ADD)
    lowered = [a.lower() for a in args]
    if "do" not in lowered[1:] or "within" not in lowered[1:]:
        raise CommandError("write the step after `do` in quotes, then `within` and a duration", example=ADD)
    do_at = lowered.index("do", 1)
    within_at = lowered.index("within", do_at)
    if within_at != do_at + 2 or within_at + 2 != len(args):
        raise CommandError('expected `do "<one step in quotes>" within <duration>` at the end', example=ADD)
    matchers = parse_matchers(args[1:do_at], example=ADD)
    try:
        within = format_duration(parse_duration(args[within_at + 1]))
    except InvalidDuration as exc:
        raise CommandError(str(exc), example=ADD) from None
    step = {"text": args[do_at + 1].strip()[:300], "within": within}
    if not step["text"]:
        raise CommandError("the step is empty", example=ADD)
    get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
    record = get_playbook_record(session=inv.session, workspace_id=inv.workspace_id, name=name)
    before = snapshot(record)
    if record is None or record.disabled or record.matchers != matchers:
        built_in = next((p for p in BUILT_IN if p.name == name), None)
        record = record or PlaybookRecord(workspace_id=inv.workspace_id, name=name)
        record.matchers, record.steps, record.disabled = matchers, [step], False
        record.final = built_in.final if built_in else False
    else:
        record.steps = [*record.steps, step]
    inv.session.add(record)
    inv.audit("playbook.add", name, before, snapshot(record))
    what = "overrides the built-in" if name in BUILT_IN_NAMES else "is yours"
    return f":white_check_mark: Playbook *{name}* ({what}) now suggests {len(record.steps)} step(s)."


def remove(inv: Invocation) -> str:
    example = "/loops playbook remove refunds"
    need(inv.args, 1, what="the playbook name", example=example)
    name = inv.args[0].lower()
    record = get_playbook_record(session=inv.session, workspace_id=inv.workspace_id, name=name)
    before = snapshot(record)
    if name in BUILT_IN_NAMES:
        get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
        record = record or PlaybookRecord(workspace_id=inv.workspace_id, name=name)
        record.disabled = True
        inv.session.add(record)
        message = f":no_entry_sign: Built-in playbook *{name}* switched off (`/loops playbook restore {name}`)."
    elif record is None:
        raise CommandError(f"no playbook called `{name}`; see `/loops playbook list`", example=example)
    else:
        inv.session.delete(record)
        record = None
        message = f":wastebasket: Playbook *{name}* removed."
    inv.audit("playbook.remove", name, before, snapshot(record))
    return message


def restore(inv: Invocation) -> str:
    example = "/loops playbook restore nps-detractor"
    need(inv.args, 1, what="the built-in playbook's name", example=example)
    name = inv.args[0].lower()
    if name not in BUILT_IN_NAMES:
        raise CommandError(
            f"`{name}` is not a built-in playbook; built-ins: {', '.join(sorted(BUILT_IN_NAMES))}", example=example
        )
    record = get_playbook_record(session=inv.session, workspace_id=inv.workspace_id, name=name)
    if record is None:
        return f"*{name}* is already the built-in version."
    before = snapshot(record)
    inv.session.delete(record)
    inv.audit("playbook.restore", name, before, None)
    return f":leftwards_arrow_with_hook: Built-in playbook *{name}* restored."


SUBCOMMANDS = [
    Subcommand(
        ("playbook", "list"),
        "/loops playbook list",
        "The playbooks behind suggested steps, in order",
        "/loops playbook list",
        list_,
    ),
    Subcommand(
        ("playbook", "add"),
        '/loops playbook add <name> <matchers…> do "<step>" within <duration>',
        "Add a step to a playbook (a built-in's name overrides it)",
        ADD,
        add,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("playbook", "remove"),
        "/loops playbook remove <name>",
        "Delete your playbook, or switch a built-in off",
        "/loops playbook remove refunds",
        remove,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("playbook", "restore"),
        "/loops playbook restore <name>",
        "Bring back a built-in as shipped",
        "/loops playbook restore nps-detractor",
        restore,
        admin=True,
        writes=True,
    ),
]
