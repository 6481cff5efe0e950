# pragma version ~=0.4.3
"""
@title MockAggregator
@license MIT
@notice Test-only Chainlink AggregatorV3Interface feed whose rounds, decimals, description and
        version anyone may set. Serves as a price feed and as an L2 sequencer uptime feed
        (answer 0 = up, 1 = down, startedAt = when that status began).
@dev Faithful to the interface as consumers see it: `latestRoundData` returns whatever the latest
     round holds (zeros before the first round), `getRoundData` of a round without data reverts
     with "No data present", as Chainlink's aggregators do. `set_reverting` makes both reads revert,
     to model a broken or removed feed.
"""

from ..interfaces import IAggregatorV3

implements: IAggregatorV3


# ============================================================================================
# STORAGE
# ============================================================================================

struct Round:
    answer: int256
    started_at: uint256
    updated_at: uint256
    answered_in_round: uint80


decimals: public(uint8)
description: public(String[256])
version: public(uint256)

latest_round: public(uint80)
reverting: public(bool)

_rounds: HashMap[uint80, Round]


# ============================================================================================
# EVENTS
# ============================================================================================

event AnswerUpdated:
    current: indexed(int256)
    roundId: indexed(uint256)
    updatedAt: uint256


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(decimals_: uint8, description_: String[256], initial_answer: int256):
    """
    @notice A feed with `decimals_` decimals; round 1 holds `initial_answer` at this block's time
            unless `initial_answer` is zero (then there is no round yet).
    @param decimals_ Decimals of the answer.
    @param description_ The feed's description, e.g. "ETH / USD".
    @param initial_answer The first answer, or 0 for none.
    """
    self.decimals = decimals_
    self.description = description_
    self.version = 4
    if initial_answer != 0:
        self._set_round(1, initial_answer, block.timestamp, block.timestamp, 1)


# ============================================================================================
# AGGREGATOR V3
# ============================================================================================

@view
@external
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The latest round as set by the last `set_round` or `update_answer`.
    @return roundId, answer, startedAt, updatedAt, answeredInRound.
    """
    assert not self.reverting, "MockAggregator: reverting"
    round_id: uint80 = self.latest_round
    r: Round = self._rounds[round_id]
    return round_id, r.answer, r.started_at, r.updated_at, r.answered_in_round


@view
@external
def getRoundData(_roundId: uint80) -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The data of round `_roundId`.
    @dev Reverts with "No data present" for a round never set (or set with updatedAt 0).
    @param _roundId The round.
    @return roundId, answer, startedAt, updatedAt, answeredInRound.
    """
    assert not self.reverting, "MockAggregator: reverting"
    r: Round = self._rounds[_roundId]
    assert r.updated_at != 0, "No data present"
    return _roundId, r.answer, r.started_at, r.updated_at, r.answered_in_round


# ============================================================================================
# TEST CONTROLS
# ============================================================================================

@external
def set_round(round_id: uint80, answer: int256, started_at: uint256, updated_at: uint256, answered_in_round: uint80):
    """
    @notice Writes round `round_id` exactly as given and makes it the latest.
    @param round_id The round's id.
    @param answer The answer (any sign).
    @param started_at When the round started (for a sequencer feed: when the status began).
    @param updated_at When the answer was last updated (0 and future times allowed).
    @param answered_in_round The round the answer was computed in.
    """
    self._set_round(round_id, answer, started_at, updated_at, answered_in_round)


@external
def update_answer(answer: int256):
    """
    @notice Opens the next round with `answer`, started and updated at this block's time.
    @param answer The new answer.
    """
    round_id: uint80 = self.latest_round + 1
    self._set_round(round_id, answer, block.timestamp, block.timestamp, round_id)


@external
def set_decimals(decimals_: uint8):
    """
    @notice Changes the answer's decimals.
    @param decimals_ The new decimals.
    """
    self.decimals = decimals_


@external
def set_description(description_: String[256]):
    """
    @notice Changes the description.
    @param description_ The new description.
    """
    self.description = description_


@external
def set_version(version_: uint256):
    """
    @notice Changes the version.
    @param version_ The new version.
    """
    self.version = version_


@external
def set_reverting(reverting_: bool):
    """
    @notice Makes every round read revert (or work again), like a broken feed.
    @param reverting_ True to revert.
    """
    self.reverting = reverting_


# ============================================================================================
# INTERNAL
# ============================================================================================

@internal
def _set_round(round_id: uint80, answer: int256, started_at: uint256, updated_at: uint256, answered_in_round: uint80):
    self._rounds[round_id] = Round(
        answer=answer, started_at=started_at, updated_at=updated_at, answered_in_round=answered_in_round
    )
    self.latest_round = round_id
    log AnswerUpdated(current=answer, roundId=convert(round_id, uint256), updatedAt=updated_at)
