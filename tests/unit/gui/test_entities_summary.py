"""The Entities page's footer reads as one statement: what is listed, and which concepts are not and why."""

from memvault.gui.entities_view import summary_text
from memvault.service.entities import SummaryPage


def _page(listed: int, total: int, unlisted: int) -> SummaryPage:
    return SummaryPage(items=(object(),) * listed, total=total, unlisted_concepts=unlisted)


def test_listed_and_unlisted_concepts_read_as_one_statement():
    assert summary_text(_page(14, 14, 14)) == ("In all namespaces: 14 entities listed; 14 concepts are listed once a second memory "
                                               "mentions them")
    assert summary_text(_page(1, 1, 1)) == "In all namespaces: 1 entity listed; 1 concept is listed once a second memory mentions it"
    assert summary_text(_page(7, 7, 0), "work") == "In work: 7 entities listed"
    assert summary_text(_page(0, 0, 0), "default") == "In default: 0 entities listed"


def test_a_cut_list_says_how_many_of_how_many():
    assert summary_text(_page(500, 1_200, 0)) == "In all namespaces: 500 of 1,200 entities listed (the most mentioned)"
