"""/loops help and /loops config export."""

from __future__ import annotations

from bot.admin.config.export import export_config, to_yaml
from bot.admin.registry import Invocation, Subcommand
from bot.errors import CommandError

TOPICS = {
    "loops": "Your work: `/loops mine`, `/loops open [team]`, `/loops show <id>`, "
    "`/loops similar <id>` (the resolved loops most like it, and how they ended).",
    "team": "Teams own feedback in their channel.",
    "route": "Routes decide which team gets which feedback (first match wins; `continue` sends a copy too).",
    "playbook": "Playbooks are the next steps suggested on each card.",
    "admin": "Admins may change the configuration; everyone may look.",
    "intake": "Intake channels are read for alerts other apps post.",
    "digest": "What a team lead's digest says: `/loops digest preview [team]`.",
    "audit": "Every change is recorded: who, when, what, before → after.",
    "config": "The whole configuration as YAML, for review and version control.",
    "theme": "Causes the frontline cannot fix, elevated to the team that can fix them: `/loops themes`.",
    "rootcause": "What caused a customer's trouble, chosen when a loop is resolved.",
    "account": "One account across teams, and who owns it: `/loops account <name>`.",
    "doctor": "Checks the install and says what to fix (admins): `/loops doctor`.",
    "forget": "Erases a customer's personal data at their request (admins): `/loops forget dana@acme.io`.",
    "impact": "Whether closing loops paid off, from billing: churn and ARR lost by how loops were closed, "
    "recovery, revenue, weakest links in dollars: `/loops impact [team] [period] [chart]`.",
    "hook": "Loop events out to other tools (CRM, survey tool, warehouse): signed POSTs to your URLs (admins).",
}


def help_(inv: Invocation) -> str:
    subcommands = inv.registry.subcommands if inv.registry else []
    if inv.args:
        topic = inv.args[0].lower()
        chosen = [
            s for s in subcommands if s.words[0] == topic or s.topic == topic or s.name == " ".join(inv.args).lower()
        ]
        if not chosen:
            raise CommandError(f"no help on `{inv.args[0]}`; topics: {', '.join(TOPICS)}", example="/loops help route")
        lines = [TOPICS.get(topic, "")] if topic in TOPICS else []
        for s in chosen:
            lock = " _(admins)_" if s.admin else ""
            lines.append(f"*{s.usage}*{lock}\n{s.summary}\nExample: `{s.example}`")
        return "\n".join(line for line in lines if line)
    lines = [
        "*Loopkeeper* closes the loop on customer feedback. Cards in your team channel have buttons to "
        "acknowledge, take ownership and resolve. Commands (`/loops help <topic>` for details and examples):"
    ]
    for topic, text in TOPICS.items():
        names = ", ".join(f"`{s.words[-1]}`" for s in subcommands if s.words[0] == topic and len(s.words) > 1)
        lines.append(f"• *{topic}* {names} — {text}".replace("*  —", "* —"))
    return "\n".join(lines)


def config_export(inv: Invocation) -> str:
    yaml_text = to_yaml(export_config(inv.session, workspace_id=inv.workspace_id))
    return (
        "Your configuration — save it as `loopkeeper.yaml` and apply it with "
        "`loopkeeper config import loopkeeper.yaml`:\n```\n" + yaml_text + "```"
    )


SUBCOMMANDS = [
    Subcommand(
        ("help",), "/loops help [topic [subcommand]]", "What you can do with /loops", "/loops help route", help_
    ),
    Subcommand(
        ("config", "export"),
        "/loops config export",
        "The whole configuration as YAML",
        "/loops config export",
        config_export,
        admin=True,
    ),
]
