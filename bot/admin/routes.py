"""/loops route …: which team gets which feedback, in order; and a dry run that changes nothing."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from bot.admin.registry import Invocation, Subcommand, channel_arg, need
from bot.admin.teams import find_team
from bot.errors import CommandError
from bot.feedback import SCALES, UNSCORED
from bot.loops.playbooks import suggest, workspace_playbooks
from bot.mrkdwn import link_channel
from bot.routing import FIELDS, InvalidMatcher, Rule, parse_matcher, route
from models.team import Route, Team, list_routes, list_teams
from models.workspace import get_or_create_workspace, get_workspace

ADD = "/loops route add billing touchpoint=billing score<=6"
TEST = "/loops route test score=3 touchpoint=billing arr=50000"


def join_matchers(tokens: tuple[str, ...]) -> list[str]:
    """Tokens → matcher texts; ``segment in smb,mid`` arrives as three tokens and is put back together."""
    matchers, index = [], 0
    while index < len(tokens):
        if index + 2 < len(tokens) and tokens[index + 1].lower() == "in":
            matchers.append(f"{tokens[index]} in {tokens[index + 2]}")
            index += 3
        else:
            matchers.append(tokens[index])
            index += 1
    return matchers


def parse_matchers(tokens: tuple[str, ...], *, example: str) -> list[str]:
    """Validated matcher texts in canonical form; the first bad one is named."""
    texts = []
    for text in join_matchers(tokens):
        try:
            texts.append(parse_matcher(text).text)
        except InvalidMatcher as exc:
            raise CommandError(f"`{text}`: {exc}", example=example) from None
    if not texts:
        raise CommandError("a route needs at least one matcher", example=example)
    return texts


def route_snapshot(route_row: Route, teams: dict[int, Team]) -> dict:
    return {
        "position": route_row.position,
        "team": teams[route_row.team_id].name,
        "match": list(route_row.matchers),
        "continue": route_row.continue_matching,
    }


def _teams(inv: Invocation) -> dict[int, Team]:
    return {t.id: t for t in list_teams(session=inv.session, workspace_id=inv.workspace_id)}


def _renumber(routes: list[Route]) -> None:
    for position, row in enumerate(routes, start=1):
        row.position = position


def add(inv: Invocation) -> str:
    need(inv.args, 2, what="a team and at least one matcher", example=ADD)
    team = find_team(inv, inv.args[0], example=ADD)
    tokens = inv.args[1:]
    continue_matching = tokens[-1].lower() == "continue"
    matchers = parse_matchers(tokens[:-1] if continue_matching else tokens, example=ADD)
    routes = list_routes(session=inv.session, workspace_id=inv.workspace_id)
    row = Route(
        workspace_id=inv.workspace_id,
        position=len(routes) + 1,
        team_id=team.id,
        matchers=matchers,
        continue_matching=continue_matching,
    )
    inv.session.add(row)
    inv.session.flush()
    inv.audit("route.add", f"#{row.position}", None, route_snapshot(row, _teams(inv)))
    return f":white_check_mark: Route {row.position} added.\n" + list_(inv)


def list_(inv: Invocation) -> str:
    routes = list_routes(session=inv.session, workspace_id=inv.workspace_id)
    teams = _teams(inv)
    workspace = get_workspace(session=inv.session, workspace_id=inv.workspace_id)
    lines = ["*Routes* (first match wins; `continue` also sends a copy and keeps going)"]
    for row in routes:
        team = teams[row.team_id]
        suffix = "  _continue_" if row.continue_matching else ""
        lines.append(
            f"{row.position}. {' '.join(f'`{m}`' for m in row.matchers)} → *{team.name}* "
            f"{link_channel(team.channel_id)}{suffix}"
        )
    if not routes:
        lines.append(f"_none yet_ — e.g. `{ADD}`")
    default = (workspace.default_channel_id if workspace else None) or inv.default_channel
    lines.append(
        f"Otherwise → {f'{link_channel(default)}' if default else '_no default channel: set one with_ '}"
        f"{'' if default else '`/loops route default #channel`'}"
    )
    return "\n".join(lines)


def _route_at(inv: Invocation, routes: list[Route], token: str, example: str) -> Route:
    if not (token.isascii() and token.isdigit()) or not 1 <= int(token) <= len(routes):
        raise CommandError(
            f"`{token}` is not a route number (1–{len(routes)}); see `/loops route list`", example=example
        )
    return routes[int(token) - 1]


def move(inv: Invocation) -> str:
    example = "/loops route move 3 1"
    need(inv.args, 2, what="the route number and its new position", example=example)
    routes = list_routes(session=inv.session, workspace_id=inv.workspace_id)
    row = _route_at(inv, routes, inv.args[0], example)
    target = inv.args[1]
    if not (target.isascii() and target.isdigit()) or not 1 <= int(target) <= len(routes):
        raise CommandError(f"`{target}` is not a position (1–{len(routes)})", example=example)
    before = [route_snapshot(r, _teams(inv)) for r in routes]
    routes.remove(row)
    routes.insert(int(target) - 1, row)
    _renumber(routes)
    for r in routes:
        inv.session.add(r)
    inv.audit("route.move", f"#{inv.args[0]} → #{target}", before, [route_snapshot(r, _teams(inv)) for r in routes])
    return ":white_check_mark: Moved.\n" + list_(inv)


def remove(inv: Invocation) -> str:
    example = "/loops route remove 2"
    need(inv.args, 1, what="the route number", example=example)
    routes = list_routes(session=inv.session, workspace_id=inv.workspace_id)
    row = _route_at(inv, routes, inv.args[0], example)
    before = route_snapshot(row, _teams(inv))
    routes.remove(row)
    inv.session.delete(row)
    _renumber(routes)
    for r in routes:
        inv.session.add(r)
    inv.audit("route.remove", f"#{inv.args[0]}", before, None)
    return ":wastebasket: Route removed.\n" + list_(inv)


def default(inv: Invocation) -> str:
    example = "/loops route default #cx-feedback"
    need(inv.args, 1, what="the channel", example=example)
    channel = channel_arg(inv.args[0], example=example)
    workspace = get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
    before, workspace.default_channel_id = workspace.default_channel_id, channel
    inv.session.add(workspace)
    inv.audit("route.default", "default channel", before, channel)
    return f":white_check_mark: Feedback no route claims now goes to {link_channel(channel)}."


def sample_fields(tokens: tuple[str, ...]) -> dict[str, object]:
    """``score=3 touchpoint=billing arr=50000`` → routing fields, with the category the score implies."""
    fields: dict[str, object] = {name: None for name in FIELDS}
    fields.update(scale="nps", tag=[])
    for token in tokens:
        name, sep, value = token.partition("=")
        name = "email_domain" if name == "domain" else name.lower()
        if not sep or name not in FIELDS:
            raise CommandError(f"`{token}` is not field=value with a field among {', '.join(FIELDS)}", example=TEST)
        if name == "tag":
            fields["tag"] = [t for t in value.split(",") if t]
        elif name in ("score", "arr"):
            try:
                fields[name] = int(value) if name == "score" else Decimal(value)
            except (ValueError, ArithmeticError):
                raise CommandError(f"`{token}`: {name} must be a number", example=TEST) from None
        else:
            fields[name] = value
    scale = SCALES.get(str(fields["scale"]))
    if scale is None:
        raise CommandError(f"scale must be one of {', '.join(SCALES)}", example=TEST)
    if fields["category"] is None:
        score = fields["score"]
        fields["category"] = scale.category(score) if isinstance(score, int) else UNSCORED
    return fields


def test(inv: Invocation) -> str:
    need(inv.args, 1, what="some field=value pairs describing feedback", example=TEST)
    fields = sample_fields(inv.args)
    routes = list_routes(session=inv.session, workspace_id=inv.workspace_id)
    teams = _teams(inv)
    rules = [Rule.parse(str(r.position), r.matchers, r.continue_matching) for r in routes]
    chosen = route(rules, fields)
    lines = [
        f"*Dry run* for {' '.join(f'`{t}`' for t in inv.args)} (category *{fields['category']}*) — nothing is created."
    ]
    for rule in chosen:
        row = routes[int(rule.team) - 1]
        team = teams[row.team_id]
        lines.append(
            f"• matches route {row.position} ({' '.join(row.matchers)}) → *{team.name}* "
            f"{link_channel(team.channel_id)}{' and continues' if row.continue_matching else ''}"
        )
    if not chosen:
        workspace = get_workspace(session=inv.session, workspace_id=inv.workspace_id)
        default_channel = (workspace.default_channel_id if workspace else None) or inv.default_channel
        lines.append(
            "• no route matches → default channel "
            + (f"{link_channel(default_channel)}" if default_channel else "(none set: it would not be posted)")
        )
    steps = suggest(
        fields,
        received_at=inv.now.astimezone(UTC),
        playbooks=workspace_playbooks(inv.session, workspace_id=inv.workspace_id),
    )
    lines.append("*Suggested steps:*" if steps else "_No playbook matches._")
    lines += [f"{n}. {s['text']} (within {s['within']}, from `{s['playbook']}`)" for n, s in enumerate(steps, 1)]
    return "\n".join(lines)


SUBCOMMANDS = [
    Subcommand(
        ("route", "add"),
        "/loops route add <team> <matchers…> [continue]",
        "Send feedback matching every matcher to a team. Matchers: field=value, field!=value, field=~regex, "
        "field<N, <=, >, >=, field in a,b,c",
        ADD,
        add,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("route", "list"),
        "/loops route list",
        "Routes in evaluation order, and the default channel",
        "/loops route list",
        list_,
    ),
    Subcommand(
        ("route", "move"),
        "/loops route move <n> <position>",
        "Change the order of routes",
        "/loops route move 3 1",
        move,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("route", "remove"),
        "/loops route remove <n>",
        "Delete a route",
        "/loops route remove 2",
        remove,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("route", "default"),
        "/loops route default #channel",
        "Where feedback no route claims goes",
        "/loops route default #cx-feedback",
        default,
        admin=True,
        writes=True,
        channel_arg=0,
    ),
    Subcommand(
        ("route", "test"),
        "/loops route test <field=value…>",
        "Dry run: which routes, team and channel would get such feedback, and the suggested steps",
        TEST,
        test,
    ),
]
