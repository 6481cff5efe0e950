# pragma version ~=0.4.3
"""
@title PlanSequence
@license MIT
@notice Test-only caller of the venues' zap interface: plans a sequence of legs in one quote
        session, then executes the same legs (live `plan`, pay, `swap` or `swap_out`) in the same
        transaction, keeping both: the proof that a session's plans equal what the legs move,
        also when they share a pool. Holds the tokens it sells (the test funds it).
"""

from ethereum.ercs import IERC20


interface IZapVenue:
    def plan(
        sell: address, buy: address, amount: uint256, route: uint256, exact_out: bool, trim: bool, session: uint256
    ) -> (address, uint256, uint256): nonpayable
    def swap(
        sell: address, buy: address, amount_in: uint256, min_out: uint256, route: uint256, recipient: address
    ): nonpayable
    def swap_out(
        sell: address, buy: address, amount_in: uint256, amount_out: uint256, route: uint256, recipient: address
    ): nonpayable


struct Leg:
    venue: address
    sell: address
    buy: address
    amount: uint256
    route: uint256
    exact_out: bool
    trim: bool


MAX_LEGS: constant(uint256) = 8

# Per leg: (input, output) as planned, and as moved (balance deltas of this contract).
planned: DynArray[uint256[2], MAX_LEGS]
moved: DynArray[uint256[2], MAX_LEGS]


@external
def run(legs: DynArray[Leg, MAX_LEGS], session: uint256):
    """
    @notice Plans `legs` in `session`, then executes them in order.
    @param legs The legs, in execution order.
    @param session The quote session for the plans (nonzero).
    """
    self.planned = []
    self.moved = []
    for leg: Leg in legs:
        pay_to: address = empty(address)
        amount_in: uint256 = 0
        amount_out: uint256 = 0
        pay_to, amount_in, amount_out = extcall IZapVenue(leg.venue).plan(
            leg.sell, leg.buy, leg.amount, leg.route, leg.exact_out, leg.trim, session
        )
        self.planned.append([amount_in, amount_out])
    for leg: Leg in legs:
        pay_to: address = empty(address)
        amount_in: uint256 = 0
        amount_out: uint256 = 0
        pay_to, amount_in, amount_out = extcall IZapVenue(leg.venue).plan(
            leg.sell, leg.buy, leg.amount, leg.route, leg.exact_out, leg.trim, 0
        )
        sell_before: uint256 = staticcall IERC20(leg.sell).balanceOf(self)
        buy_before: uint256 = staticcall IERC20(leg.buy).balanceOf(self)
        extcall IERC20(leg.sell).transfer(pay_to, amount_in)
        if leg.exact_out:
            extcall IZapVenue(leg.venue).swap_out(leg.sell, leg.buy, amount_in, leg.amount, leg.route, self)
        else:
            extcall IZapVenue(leg.venue).swap(leg.sell, leg.buy, amount_in, 0, leg.route, self)
        self.moved.append(
            [
                sell_before - staticcall IERC20(leg.sell).balanceOf(self),
                staticcall IERC20(leg.buy).balanceOf(self) - buy_before,
            ]
        )


@view
@external
def results() -> (DynArray[uint256[2], MAX_LEGS], DynArray[uint256[2], MAX_LEGS]):
    """
    @notice The last run's legs: (input, output) as planned, and as moved.
    @return Planned, moved.
    """
    return self.planned, self.moved
