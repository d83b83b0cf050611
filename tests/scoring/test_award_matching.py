"""Matching an award to the evaluation's ranking: a pure function, tested on plain results."""

from scoring.services.award import match_to_ranking


def _result(*lots):
    return {
        "lots": [
            {
                "lot": lot_id,
                "bids": [
                    {"bid": bid, "rank": rank, "qualified": rank is not None} for bid, rank in bids
                ],
            }
            for lot_id, bids in lots
        ]
    }


ONE_LOT = _result(("L1", [("a", 1), ("b", 2), ("x", None)]))
TWO_LOTS = _result(("L1", [("a", 1), ("b", 2)]), ("L2", [("c", 1), ("d", 2)]))


def test_the_top_ranked_bid_follows_the_ranking():
    decided, deviates, errors = match_to_ranking(ONE_LOT, [{"lot": "L1", "bids": ["a"]}])
    assert (decided, deviates, errors) == (
        [{"lot": "L1", "bids": ["a"], "follows_ranking": True}],
        False,
        [],
    )


def test_a_one_lot_tender_may_leave_the_lot_out():
    decided, _, errors = match_to_ranking(ONE_LOT, [{"lot": None, "bids": ["a"]}])
    assert errors == [] and decided[0]["lot"] == "L1"


def test_the_second_ranked_bid_deviates():
    decided, deviates, errors = match_to_ranking(ONE_LOT, [{"lot": "L1", "bids": ["b"]}])
    assert errors == [] and deviates is True
    assert decided == [{"lot": "L1", "bids": ["b"], "follows_ranking": False}]


def test_a_framework_with_the_top_two_follows_in_any_order():
    decided, deviates, _ = match_to_ranking(ONE_LOT, [{"lot": "L1", "bids": ["b", "a"]}])
    assert deviates is False and decided[0]["follows_ranking"] is True


def test_every_problem_is_named_by_its_pointer():
    _, _, errors = match_to_ranking(
        TWO_LOTS,
        [
            {"lot": None, "bids": ["a"]},
            {"lot": "L9", "bids": ["a"]},
            {"lot": "L1", "bids": []},
            {"lot": "L2", "bids": ["a"]},
            {"lot": "L2", "bids": ["c"]},
        ],
    )
    assert [(e["field"], e["code"]) for e in errors] == [
        ("/lots/0/lot", "required"),
        ("/lots/1/lot", "unknown_lot"),
        ("/lots/2/bids", "required"),
        ("/lots/3/bids", "not_qualified"),
        ("/lots/4/lot", "duplicate"),
    ]


def test_a_disqualified_bid_cannot_win():
    _, _, errors = match_to_ranking(ONE_LOT, [{"lot": "L1", "bids": ["x"]}])
    assert errors[0]["code"] == "not_qualified" and "x" in errors[0]["message"]
