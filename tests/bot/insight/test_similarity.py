"""Which earlier resolved loops said nearly the same thing: ranking, boosts, edits of the index, and concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.insight.similarity import BOOSTS, MAX_BOOST, REFIT_SHARE, Document, Neighbour, SimilarityIndex

CHARGED_TWICE = Document(
    11, "Charged twice on my invoice this month, please refund one of them", "billing", "invoicing", "smb", "nps"
)
DOUBLE_CHARGE = Document(12, "Double charge on the November invoice", "billing", "invoicing", "enterprise", "csat")
ONBOARDING = Document(21, "Setup took weeks, nobody helped with onboarding", "onboarding", "platform", "smb", "nps")
ONBOARDING_AGAIN = Document(
    22,
    "Onboarding was slow: setup took weeks and nobody from your team helped us",
    "onboarding",
    "platform",
    "enterprise",
    "nps",
)
SLOW_EXPORT = Document(31, "Exporting reports to CSV is very slow", "product", "reports", "smb", "csat")
LOOPS = [CHARGED_TWICE, DOUBLE_CHARGE, ONBOARDING, ONBOARDING_AGAIN, SLOW_EXPORT]
# Forty other resolved loops on other subjects, so that the idf weights see how common "the", "my" and "is" are.
BACKGROUND = [
    "The mobile app crashes when I upload a photo",
    "Love the new dashboard, it is so much faster",
    "Your support agent was friendly and fixed it in minutes",
    "The Slack integration stopped posting to our channel",
    "I can't find where to change my password",
    "Search does not find anything older than a year",
    "Please add dark mode, my eyes hurt at night",
    "The calendar shows meetings in the wrong time zone",
    "SSO with Okta fails for half of our users",
    "Notifications arrive hours late on Android",
    "The price went up without any warning",
    "It is too expensive for a team of our size",
    "Great product, the team is very responsive",
    "The API returns a 500 error on large requests",
    "Our account manager never replies to emails",
    "The PDF report cuts off the last column",
    "I would like a way to undo deleted tasks",
    "The new editor lost my draft twice",
    "Permissions are confusing for guest users",
    "The login page is slow in the morning",
    "Webhooks fire twice for the same event",
    "Hard to cancel my subscription online",
    "The chat widget covers the checkout button",
    "Import from Trello worked perfectly",
    "Sync with HubSpot duplicates our contacts",
    "Two-factor codes by SMS never arrive in Germany",
    "The status page said all good during the outage",
    "Keyboard shortcuts are not documented anywhere",
    "Reports take minutes to load for big workspaces",
    "Attachments over 10 MB fail without a message",
    "The trial ended before we could test the integrations",
    "I was logged out in the middle of a call",
    "The weekly email digest is very useful",
    "Tables are unreadable on a small laptop screen",
    "It took three tickets to get a simple answer",
    "Audit log is missing who changed the settings",
    "Great value, we recommend it to other teams",
    "The bulk edit is a lifesaver",
    "Your changelog does not say what changed",
    "Images in comments do not show on iPad",
]
CORPUS = LOOPS + [Document(100 + i, text) for i, text in enumerate(BACKGROUND)]
QUERY = "I was charged twice on my invoice"


def keys(neighbours: list[Neighbour]) -> list[int]:
    return [neighbour.key for neighbour in neighbours]


@pytest.fixture
def index() -> SimilarityIndex:
    return SimilarityIndex.build(CORPUS)


def test_the_double_charges_come_first_in_a_tiny_corpus():
    index = SimilarityIndex.build(LOOPS)
    neighbours = index.query(QUERY, touchpoint="billing")
    assert keys(neighbours) == [11, 12]  # the onboarding and export loops fall below min_score
    assert neighbours[0].similarity > neighbours[1].similarity > 0.2
    assert keys(index.query(QUERY, k=5, min_score=0.0))[:2] == [11, 12]


def test_the_double_charges_come_first_among_other_loops(index):
    found = keys(index.query(QUERY, k=5))
    assert found[:2] == [11, 12]
    assert not {21, 22, 31} & set(found)


def test_each_kind_of_feedback_finds_its_own(index):
    assert keys(index.query("onboarding took forever and nobody helped", k=2)) == [21, 22]
    assert keys(index.query("the csv export is slow", k=1)) == [31]


def test_typos_and_inflections_still_match(index):
    assert set(keys(index.query("chraged twise on the invoce", k=2))) == {11, 12}
    assert keys(index.query("double-charging on invoices", k=2)) == [12, 11]


def test_the_comment_itself_is_a_perfect_match(index):
    [neighbour] = index.query(SLOW_EXPORT.text, k=1)
    assert neighbour.key == 31
    assert neighbour.similarity == pytest.approx(1.0, abs=1e-6)
    assert neighbour.score == neighbour.similarity  # no facets asked for, no boost


def test_unrelated_text_finds_nothing(index):
    assert index.query("Wonderful webinar yesterday, thank you Priya") == []


def test_boosts_order_ties_by_shared_facets():
    same_text = "The mobile app logs me out every day"
    index = SimilarityIndex.build(
        [
            Document(1, same_text, "support", "web", "smb", "csat"),
            Document(2, same_text, "support", "mobile", "smb", "csat"),
            Document(3, same_text, "onboarding", "mobile", "enterprise", "nps"),
        ]
    )
    neighbours = index.query(same_text, touchpoint="support", product="mobile", segment="smb", scale="nps")
    assert keys(neighbours) == [2, 3, 1]  # all four but scale; product and scale; then three without product
    assert [n.score - n.similarity for n in neighbours] == pytest.approx(
        [
            BOOSTS["touchpoint"] + BOOSTS["product"] + BOOSTS["segment"],
            BOOSTS["product"] + BOOSTS["scale"],
            BOOSTS["touchpoint"] + BOOSTS["segment"],
        ]
    )


def test_without_facets_ties_go_to_the_later_loop():
    index = SimilarityIndex.build([Document(key, "Refund took a month") for key in (5, 9, 7)])
    assert keys(index.query("refund took a month")) == [9, 7, 5]


def test_boosts_never_lift_an_unrelated_text_over_a_close_one(index):
    neighbours = index.query(
        QUERY, touchpoint="onboarding", product="platform", segment="smb", scale="nps", k=5, min_score=0.0
    )
    assert keys(neighbours)[:2] == [11, 12]
    assert round(MAX_BOOST, 9) == 0.1
    # min_score applies to the text alone: sharing every facet does not bring an unrelated loop in.
    assert 21 not in keys(
        index.query(QUERY, touchpoint="onboarding", product="platform", segment="smb", scale="nps", k=5)
    )


def test_an_empty_corpus_finds_nothing():
    assert SimilarityIndex.build([]).query(QUERY) == []
    assert SimilarityIndex().query(QUERY) == []
    assert len(SimilarityIndex.build([])) == 0


def test_blank_query_finds_nothing_even_with_matching_facets(index):
    assert index.query("", touchpoint="billing") == []
    assert index.query("   \n", product="invoicing") == []
    assert index.query("?!", touchpoint="billing") == []


def test_documents_without_text_are_kept_but_never_found():
    index = SimilarityIndex.build([Document(1, ""), Document(2, "  "), CHARGED_TWICE])
    assert len(index) == 3
    assert keys(index.query(QUERY, k=5, min_score=0.0)) == [11]


def test_a_corpus_of_blank_comments_starts_fitting_at_the_first_real_one():
    index = SimilarityIndex.build([Document(1, ""), Document(2, "...")])
    assert len(index) == 2 and index.query("...") == []
    index.add([DOUBLE_CHARGE])
    assert keys(index.query(QUERY)) == [12]
    assert len(index) == 3


def test_an_added_loop_is_found_at_once(index):
    fresh = Document(41, "Billed twice for the same invoice again", "billing", "invoicing", "smb", "nps")
    index.add([fresh])
    assert 41 in index and len(index) == len(CORPUS) + 1
    assert keys(index.query("billed twice for the same invoice", k=1)) == [41]
    assert 41 in keys(index.query(QUERY))


def test_adding_a_known_key_replaces_its_document(index):
    index.add([Document(31, "Search results are empty since the upgrade", "product", "search")])
    assert len(index) == len(CORPUS)
    assert 31 not in keys(index.query("the csv export is slow"))
    assert keys(index.query("search results are empty since the upgrade", k=1)) == [31]


def test_the_first_add_into_an_empty_index_fits_it():
    index = SimilarityIndex()
    index.add([CHARGED_TWICE, DOUBLE_CHARGE])
    assert keys(index.query(QUERY)) == [11, 12]
    assert not index.needs_refit


def test_remove(index):
    index.remove([11, 999])
    assert 11 not in index and len(index) == len(CORPUS) - 1
    assert keys(index.query(QUERY))[0] == 12
    assert 11 not in keys(index.query(QUERY, k=len(CORPUS), min_score=0.0))
    index.remove([])
    assert len(index) == len(CORPUS) - 1


def test_a_removed_key_can_come_back(index):
    index.remove([12])
    index.add([DOUBLE_CHARGE])
    assert keys(index.query(QUERY))[:2] == [11, 12]


def test_exclude(index):
    assert keys(index.query(QUERY, exclude=[11]))[0] == 12
    assert not {11, 12} & set(keys(index.query(QUERY, exclude={11, 12, 404}, k=5)))


def test_k(index):
    assert keys(index.query(QUERY, k=1)) == [11]
    assert index.query(QUERY, k=0) == []


def test_refit_is_due_after_a_tenth_of_the_corpus_changed():
    corpus = [Document(key, f"comment number {key} about the invoice") for key in range(50)]
    index = SimilarityIndex.build(corpus)
    assert REFIT_SHARE == 0.1 and not index.needs_refit
    index.add([Document(100 + key, "a new comment about the invoice") for key in range(3)])
    index.remove([0, 1])
    assert not index.needs_refit  # 5 changes of 50
    index.add([Document(200, "one more")])
    assert index.needs_refit
    index.refit()
    assert not index.needs_refit
    assert len(index) == 52
    assert 0 not in index and 200 in index
    assert keys(index.query("a new comment about the invoice", k=3)) == [102, 101, 100]


def test_queries_run_while_a_writer_adds_and_removes(index):
    done = threading.Event()

    def reader() -> int:
        queries = 0
        while True:
            found = keys(index.query(QUERY))
            # Whatever snapshot a reader sees is whole: the two double charges are always there, first.
            assert found[:2] == [11, 12], found
            queries += 1
            if done.is_set():
                return queries

    with ThreadPoolExecutor(4) as pool:
        readers = [pool.submit(reader) for _ in range(4)]
        try:
            for key in range(1000, 1150):
                index.add([Document(key, f"Export number {key} failed with a timeout", "product", "reports")])
                if key % 3 == 0:
                    index.remove([key - 1])
        finally:
            done.set()
        assert all(future.result() for future in readers)  # result() raises a reader's failure here
    assert len(index) == len(CORPUS) + 150 - 50
