"""Routing: matcher parsing and evaluation, and ordered routes with ``continue`` (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.errors import LoopkeeperError
from bot.routing import (
    FIELDS,
    MAX_REGEX_LENGTH,
    InvalidMatcher,
    Rule,
    parse_matcher,
    route,
)

# A detractor from an SMB account; values in mixed case to exercise case-insensitive equality.
FIELDS_ACME = {
    "source": "delighted",
    "score": 3,
    "scale": "nps",
    "category": "detractor",
    "touchpoint": "Billing",
    "product": "Invoices",
    "segment": "SMB",
    "account": "Acme Corp",
    "arr": Decimal("60000.00"),
    "tag": ["vip", "Renewal"],
    "comment": "I was charged twice for my subscription",
    "email_domain": "acme.com",
}
NOTHING = {name: None for name in FIELDS} | {"tag": []}

MATCHES = [
    # source
    ("source=delighted", FIELDS_ACME, True),
    ("source=DELIGHTED", FIELDS_ACME, True),
    ("source=typeform", FIELDS_ACME, False),
    ("source!=typeform", FIELDS_ACME, True),
    ("source!=Delighted", FIELDS_ACME, False),
    ("source=~^del", FIELDS_ACME, True),
    ("source in typeform, delighted", FIELDS_ACME, True),
    ("source in typeform,survicate", FIELDS_ACME, False),
    # score: numeric
    ("score=3", FIELDS_ACME, True),
    ("score=3.0", FIELDS_ACME, True),
    ("score=4", FIELDS_ACME, False),
    ("score!=3", FIELDS_ACME, False),
    ("score!=9", FIELDS_ACME, True),
    ("score<4", FIELDS_ACME, True),
    ("score<3", FIELDS_ACME, False),
    ("score<=3", FIELDS_ACME, True),
    ("score<=2", FIELDS_ACME, False),
    ("score>2.5", FIELDS_ACME, True),
    ("score>3", FIELDS_ACME, False),
    ("score>=3", FIELDS_ACME, True),
    ("score>=4", FIELDS_ACME, False),
    (" score <= 6 ", FIELDS_ACME, True),
    ("score in 1, 2, 3", FIELDS_ACME, True),
    ("score in 9,10", FIELDS_ACME, False),
    ("score=~^3$", FIELDS_ACME, True),
    ("score>6", {"score": "7"}, True),
    ("score>=1", {"score": True}, False),  # a bool is not a score
    ("score<=6", {"score": "n/a"}, False),
    # scale
    ("scale=NPS", FIELDS_ACME, True),
    ("scale!=csat", FIELDS_ACME, True),
    ("scale in csat, ces", FIELDS_ACME, False),
    ("scale=~^n", FIELDS_ACME, True),
    # category
    ("category=Detractor", FIELDS_ACME, True),
    ("category in detractor, negative", FIELDS_ACME, True),
    ("category!=promoter", FIELDS_ACME, True),
    ("category=~^(passive|promoter)$", FIELDS_ACME, False),
    # touchpoint
    ("touchpoint=billing", FIELDS_ACME, True),
    ("touchpoint = billing ", FIELDS_ACME, True),
    ('touchpoint="Billing"', FIELDS_ACME, True),
    ("touchpoint='billing'", FIELDS_ACME, True),
    ("touchpoint!=onboarding", FIELDS_ACME, True),
    ("touchpoint in onboarding , billing", FIELDS_ACME, True),
    ("touchpoint=~bill", FIELDS_ACME, True),
    # product
    ("product=invoices", FIELDS_ACME, True),
    ("product!=invoices", FIELDS_ACME, False),
    ("product=~voice", FIELDS_ACME, True),
    ("product in reports,dashboards", FIELDS_ACME, False),
    # segment
    ("segment=smb", FIELDS_ACME, True),
    ("segment in smb, mid", FIELDS_ACME, True),
    ("segment in  mid , enterprise ", FIELDS_ACME, False),
    ("segment IN smb", FIELDS_ACME, True),
    ("segment!=enterprise", FIELDS_ACME, True),
    ("segment=~^s", FIELDS_ACME, True),
    # account
    ("account=acme corp", FIELDS_ACME, True),
    ("account!=ACME CORP", FIELDS_ACME, False),
    ("account=~^acme", FIELDS_ACME, True),
    ("account in globex, initech", FIELDS_ACME, False),
    # arr: Decimal against Decimal, int and float
    ("arr=60000", FIELDS_ACME, True),
    ("arr=60000.0", FIELDS_ACME, True),
    ("arr!=60000", FIELDS_ACME, False),
    ("arr!=1", FIELDS_ACME, True),
    ("arr>=50000", FIELDS_ACME, True),
    ("arr>60000", FIELDS_ACME, False),
    ("arr<60000.01", FIELDS_ACME, True),
    ("arr<60000", FIELDS_ACME, False),
    ("arr<=59999.99", FIELDS_ACME, False),
    ("arr<=60000", FIELDS_ACME, True),
    ("arr>=50000", {"arr": 60000}, True),
    ("arr>60000", {"arr": 60000.5}, True),
    ("arr=100", {"arr": "100.00"}, True),
    ("arr=~^600", FIELDS_ACME, True),
    # tag: a list; any tag may match, != means none does
    ("tag=vip", FIELDS_ACME, True),
    ("tag=RENEWAL", FIELDS_ACME, True),
    ("tag=churn", FIELDS_ACME, False),
    ("tag!=churn", FIELDS_ACME, True),
    ("tag!=vip", FIELDS_ACME, False),
    ("tag!=renewal", FIELDS_ACME, False),
    ("tag in churn, renewal", FIELDS_ACME, True),
    ("tag in churn,beta", FIELDS_ACME, False),
    ("tag=~^ren", FIELDS_ACME, True),
    ("tag=vip", {"tag": ("beta", "vip")}, True),
    ("tag=vip", {"tag": []}, False),
    ("tag!=vip", {"tag": []}, True),
    # comment: regexes are case-insensitive searches
    ("comment=~charged", FIELDS_ACME, True),
    ("comment=~CHARGED", FIELDS_ACME, True),
    ("comment=~\\btwice\\b", FIELDS_ACME, True),
    ('comment=~"twice"', FIELDS_ACME, True),
    ("comment=~refund", FIELDS_ACME, False),
    ("comment!=great", FIELDS_ACME, True),
    ("comment=i was charged twice for my subscription", FIELDS_ACME, True),
    # email_domain and its 'domain' alias
    ("email_domain=ACME.com", FIELDS_ACME, True),
    ("email_domain!=acme.com", FIELDS_ACME, False),
    ("domain=acme.com", FIELDS_ACME, True),
    ("domain!=acme.com", FIELDS_ACME, False),
    ("domain!=example.com", FIELDS_ACME, True),
    ("domain in example.com, acme.com", FIELDS_ACME, True),
    ("domain=~\\.com$", FIELDS_ACME, True),
    ("email_domain in example.com", FIELDS_ACME, False),
    # missing fields: = and in and =~ are false, != is true, numeric comparisons are false
    ("touchpoint=billing", NOTHING, False),
    ("touchpoint!=billing", NOTHING, True),
    ("touchpoint!=billing", {}, True),
    ("segment in smb,mid", NOTHING, False),
    ("comment=~.", NOTHING, False),
    ("domain=acme.com", {}, False),
    ("score=3", NOTHING, False),
    ("score!=3", NOTHING, True),
    ("score<5", NOTHING, False),
    ("score<=5", {}, False),
    ("score>0", NOTHING, False),
    ("score>=0", {}, False),
    ("arr>=0", NOTHING, False),
    ("arr<=100", {}, False),
    ("arr<1", NOTHING, False),
    ("arr>1", {}, False),
    ("arr!=0", NOTHING, True),
    ("tag=vip", {}, False),
    ("tag!=vip", {}, True),
]


@pytest.mark.parametrize("text, fields, expected", MATCHES)
def test_matcher_matches(text, fields, expected):
    assert parse_matcher(text).matches(fields) is expected


def test_every_field_and_operator_is_covered():
    """The MATCHES table exercises each routing field (and the alias) and each operator."""
    matchers = [parse_matcher(text) for text, _, _ in MATCHES]
    assert {m.field for m in matchers} == set(FIELDS)
    assert {m.op for m in matchers} == {"=", "!=", "=~", "<", "<=", ">", ">=", "in"}
    assert any(text.startswith("domain") for text, _, _ in MATCHES)


CANONICAL = [
    (" score <= 6 ", "score<=6"),
    ("domain=acme.com", "email_domain=acme.com"),
    ("segment IN smb, mid", "segment in smb, mid"),
    ('touchpoint="billing"', "touchpoint=billing"),
    ("comment=~ refund ", "comment=~refund"),
]


@pytest.mark.parametrize("text, canonical", CANONICAL)
def test_matcher_text_is_canonical(text, canonical):
    assert str(parse_matcher(text)) == canonical


IN_OPTIONS = [
    ("segment in smb,mid", ("smb", "mid")),
    ("segment in  smb ,  mid , ", ("smb", "mid")),
    ("tag in vip", ("vip",)),
]


@pytest.mark.parametrize("text, options", IN_OPTIONS)
def test_in_lists_are_trimmed(text, options):
    assert parse_matcher(text).value == options


def r(team, *matchers, cont=False):
    return Rule.parse(team, list(matchers), continue_matching=cont)


DETRACTOR_BILLING = {
    "category": "detractor",
    "score": 2,
    "scale": "nps",
    "touchpoint": "billing",
    "arr": Decimal("150000"),
    "tag": [],
}

ROUTES = [
    (
        "first match wins",
        [r("billing", "touchpoint=billing"), r("support", "scale=nps")],
        DETRACTOR_BILLING,
        ["billing"],
    ),
    ("order decides", [r("support", "scale=nps"), r("billing", "touchpoint=billing")], DETRACTOR_BILLING, ["support"]),
    (
        "continue copies and keeps going",
        [r("escalations", "arr>=100000", cont=True), r("billing", "touchpoint=billing"), r("support", "scale=nps")],
        DETRACTOR_BILLING,
        ["escalations", "billing"],
    ),
    (
        "several continues",
        [
            r("escalations", "arr>=100000", cont=True),
            r("cs", "category=detractor", cont=True),
            r("billing", "touchpoint=billing"),
            r("support", "scale=nps"),
        ],
        DETRACTOR_BILLING,
        ["escalations", "cs", "billing"],
    ),
    (
        "continue with nothing after it matching",
        [r("escalations", "arr>=100000", cont=True), r("support", "scale=csat")],
        DETRACTOR_BILLING,
        ["escalations"],
    ),
    (
        "a continue rule that does not match is passed over",
        [r("escalations", "arr>=1000000", cont=True), r("billing", "touchpoint=billing")],
        DETRACTOR_BILLING,
        ["billing"],
    ),
    (
        "continue after the first match is never reached",
        [r("billing", "touchpoint=billing"), r("escalations", "arr>=100000", cont=True)],
        DETRACTOR_BILLING,
        ["billing"],
    ),
    (
        "all matchers must hold",
        [r("billing", "touchpoint=billing", "score>=9"), r("support", "scale=nps")],
        DETRACTOR_BILLING,
        ["support"],
    ),
    (
        "all matchers hold",
        [r("billing", "touchpoint=billing", "score<=6", "category in detractor,negative")],
        DETRACTOR_BILLING,
        ["billing"],
    ),
    (
        "no match goes to the default channel",
        [r("billing", "touchpoint=onboarding"), r("support", "scale=csat")],
        DETRACTOR_BILLING,
        [],
    ),
    ("no routes at all", [], DETRACTOR_BILLING, []),
    (
        "a missing field does not match",
        [r("product", "product=invoices"), r("fallback", "product!=invoices")],
        DETRACTOR_BILLING,
        ["fallback"],
    ),
]


@pytest.mark.parametrize("rules, fields, teams", [case[1:] for case in ROUTES], ids=[case[0] for case in ROUTES])
def test_route(rules, fields, teams):
    assert [rule.team for rule in route(rules, fields)] == teams


BAD = [
    ("mood=sad", "unknown field 'mood'"),
    ("Mood in sad", "unknown field 'mood'"),
    ("touchpoint billing", "cannot read matcher"),
    ("=billing", "cannot read matcher"),
    ("score 6", "cannot read matcher"),
    ("", "cannot read matcher"),
    ("segment in", "cannot read matcher"),
    ("touchpoint!=", "has no value"),
    ("comment=~", "has no value"),
    ('comment=~""', "has no value"),
    ("score<=", "has no value"),
    ("arr>  ", "has no value"),
    ("segment in ,", "lists no values"),
    ("segment in , ,", "lists no values"),
    ("score<low", "'low' in 'score<low' is not a number"),
    ("arr>=50k", "is not a number"),
    ("score=high", "score is numeric"),
    ("arr!=lots", "arr is numeric"),
    ("score=", "has no value"),
    ("touchpoint<5", "'touchpoint' is not numeric"),
    ("tag>=1", "'tag' is not numeric"),
    ("comment<=3", "'comment' is not numeric"),
    ("domain>1", "'email_domain' is not numeric"),
    ("comment=~(unclosed", "does not compile"),
    ("comment=~[a-", "does not compile"),
    ("comment=~*refund", "does not compile"),
    ("comment=~" + "a" * (MAX_REGEX_LENGTH + 1), f"longer than {MAX_REGEX_LENGTH} characters"),
    ("comment=~(a+)+", "nests quantifiers"),
    ("comment=~(\\w*)*", "nests quantifiers"),
    ("comment=~(x+x+)+y", "nests quantifiers"),
    ("comment=~(a+)*$", "nests quantifiers"),
    ("comment=~(?:a+)+", "nests quantifiers"),
    ("comment=~(a{1,3})*", "nests quantifiers"),
    ("comment=~(a+){2,}", "nests quantifiers"),
    # The same catastrophic shapes, written so the nested quantifier is not the group's last token
    # or sits one group deeper. Each of these hangs re.search on ~30 characters.
    ("comment=~((a+))+", "nests quantifiers"),
    ("comment=~(a+|b)+", "nests quantifiers"),
    ("comment=~(\\w+\\s?)+$", "nests quantifiers"),
    # NaN is not a number to compare with; accepting it makes every later match raise.
    ("arr<NaN", "is not a number"),
    ("score>=nan", "is not a number"),
    ("arr>sNaN", "is not a number"),
    ("score=NaN", "is not a number"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_matcher_is_refused_with_a_reason(text, message):
    with pytest.raises(InvalidMatcher) as caught:
        parse_matcher(text)
    assert message in str(caught.value)


UNREADABLE = ["touchpoint billing", "", "score 6", "==", "segment in"]


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_matcher_message_shows_an_example(text):
    with pytest.raises(InvalidMatcher, match=r"e\.g\. score<=6"):
        parse_matcher(text)


def test_unknown_field_message_lists_every_known_field():
    with pytest.raises(InvalidMatcher) as caught:
        parse_matcher("mood=sad")
    assert f"known fields: {', '.join(FIELDS)}" in str(caught.value)


def test_invalid_matcher_is_a_loopkeeper_error():
    assert issubclass(InvalidMatcher, LoopkeeperError)


def test_field_names_are_read_the_same_way_by_every_operator():
    """'Segment in smb' is accepted (field lowercased), so 'Segment=smb' should be too, or both refused."""

    def outcome(text):
        try:
            return parse_matcher(text).field
        except InvalidMatcher:
            return "refused"

    assert outcome("Segment=smb") == outcome("Segment in smb")


def test_empty_equality_can_match_real_feedback():
    """'touchpoint=' is accepted, so it must match feedback without a touchpoint (stored as None);
    otherwise it is a route that can never fire and should be refused when written."""

    def outcome():
        try:
            matcher = parse_matcher("touchpoint=")
        except InvalidMatcher:
            return "refused"
        return matcher.matches({"touchpoint": None})

    assert outcome() in ("refused", True)
