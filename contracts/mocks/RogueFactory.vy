# pragma version ~=0.4.3
"""
@title RogueFactory
@license MIT
@notice Test-only hostile Uniswap V2 factory, for an owner who was talked into
        `add_venue(UniswapV2Venue(rogue, weth))`: the venue then looks for every pair at this
        contract's CREATE2 addresses. (`factory()` also lets it pose as a router.)
@dev    `deploy_pair` puts the real UniswapV2Pair creation code (the only code the rebalancer's
        init code hash lets such an address hold) at the address of the pair of (token_a, token_b),
        but initialises it with two tokens of the attacker's choosing: a pair "for the wrong
        tokens". `feeTo` answers what UniswapV2Pair.mint asks its factory.
"""


interface IPairInit:
    def initialize(token0: address, token1: address): nonpayable


MAX_INIT_CODE: constant(uint256) = 12_288

owner: public(address)
claimed_factory: public(address)


@deploy
def __init__():
    """
    @notice A rogue factory owned by its deployer; `factory()` names itself until told otherwise.
    """
    self.owner = msg.sender
    self.claimed_factory = self


@view
@external
def factory() -> address:
    """
    @notice What a UniswapV2Router02 answers: its factory.
    @return This contract, or the address set by `set_claimed_factory`.
    """
    return self.claimed_factory


@view
@external
def feeTo() -> address:
    """
    @notice The protocol fee recipient UniswapV2Pair.mint asks for: none.
    @return The zero address.
    """
    return empty(address)


@external
def set_claimed_factory(factory_: address):
    """
    @notice Makes `factory()` answer `factory_`.
    @param factory_ Any address, the zero address included.
    """
    assert msg.sender == self.owner, "rogue: not owner"
    self.claimed_factory = factory_


@external
def deploy_pair(
    init_code: Bytes[MAX_INIT_CODE], token_a: address, token_b: address, real0: address, real1: address
) -> address:
    """
    @notice Deploys `init_code` at this contract's CREATE2 address for the pair of `token_a` and
            `token_b` (UniswapV2Library's salt) and initialises it with `real0` and `real1`.
    @param init_code UniswapV2Pair's creation code.
    @param token_a One token the address is salted with.
    @param token_b The other.
    @param real0 The pair's actual token0.
    @param real1 The pair's actual token1.
    @return The pair.
    """
    assert msg.sender == self.owner, "rogue: not owner"
    token0: address = token_a
    token1: address = token_b
    if convert(token_b, uint256) < convert(token_a, uint256):
        token0 = token_b
        token1 = token_a
    salt: bytes32 = keccak256(concat(convert(token0, bytes20), convert(token1, bytes20)))
    pair: address = raw_create(init_code, salt=salt)
    extcall IPairInit(pair).initialize(real0, real1)
    return pair
