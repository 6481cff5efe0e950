"""Create an index through the factory: `vyndex create --spec examples/blue-chip.yaml --network ...`."""

import click
from ape.cli import ConnectedProviderCommand

from vyndex.cli.common import (
    ToolError,
    account_arg,
    confirm_send,
    emit_json,
    friendly_errors,
    is_dev_chain,
    json_arg,
    out,
    resolve_account,
    yes_arg,
)
from vyndex.factory import (
    DEFAULT_INITIAL_SHARES,
    FactoryError,
    create_from_spec,
    deploy_factory_for_spec,
    find_factory,
)
from vyndex.index import connected_books
from vyndex.params import AmountType
from vyndex.spec import load_spec

EXAMPLE_SPEC = "examples/blue-chip.yaml"


@click.command(
    cls=ConnectedProviderCommand,
    short_help="Create an index through the factory from a YAML basket spec",
    help=f"""Create an index through the IndexFactory from a YAML basket spec.

    One transaction deploys the index's oracle adapter, vault and rebalancer from the factory's
    blueprints, checks every feed, and mints the first --shares to you from your own tokens (you
    approve exactly that much); then you accept ownership of the three contracts. The index is
    listed in the factory's registry and recorded in deployments/<ecosystem>-<network>.json.
    The factory is the address book's `IndexFactory` (or --factory); --deploy-factory deploys
    one first (its venues from the spec's rebalancer section). When the spec names WETH, an
    IndexZap over the index's venues is deployed beside it (as `vyndex deploy` does) for
    `vyndex mint --pay-with` and `vyndex redeem --receive`; --no-zap skips it. A spec with an
    `auction` section gets a DutchAuction too: the seed made holders, so wiring it into the
    rebalancer waits out the index's governance delay (`vyndex governance pending`, then `apply`).

    On local and fork networks --spec defaults to {EXAMPLE_SPEC}; elsewhere it is required, and
    you are asked before anything is sent (-y skips that).

    \b
    Example:
      vyndex create --spec examples/blue-chip.yaml --network ethereum:mainnet-fork:foundry
      vyndex create --spec my-index.yaml --shares 1 --network ethereum:sepolia:node --account me
    """,
)
@click.option(
    "--spec", "spec_path", default=None, metavar="FILE", help=f"The basket spec [local/fork: {EXAMPLE_SPEC}]."
)
@click.option(
    "--factory", "factory_name", default=None, metavar="NAME|ADDRESS", help="The factory [IndexFactory]."
)
@click.option("--deploy-factory", is_flag=True, help="Deploy a factory first and record it as IndexFactory.")
@click.option(
    "--shares",
    type=AmountType(),
    default=str(DEFAULT_INITIAL_SHARES / 10**18),
    show_default=True,
    help="Index tokens of the seed mint, paid in kind by you.",
)
@click.option(
    "--nav-feed", "nav_feed", default="", metavar="TEXT", help="Also create a NAV feed with this description."
)
@click.option(
    "--no-zap", "no_zap", is_flag=True, help="Skip the IndexZap (one-token mint and redeem) beside it."
)
@account_arg()
@yes_arg()
@json_arg()
@friendly_errors
def cli(
    ecosystem,
    network,
    spec_path,
    factory_name,
    deploy_factory,
    shares,
    nav_feed,
    no_zap,
    account_name,
    yes,
    as_json,
):
    if spec_path is None:
        if not is_dev_chain():
            raise ToolError(f"pass --spec FILE: on {ecosystem.name}:{network.name} there is no default spec")
        spec_path = EXAMPLE_SPEC
    spec = load_spec(spec_path)
    creator = resolve_account(account_name, "creator")
    books = connected_books()
    out(
        f"{spec.symbol} from {spec_path} through the factory on {ecosystem.name}:{network.name} "
        f"as {creator.address}"
    )
    confirm_send(f"create {spec.symbol} from {spec_path} as {creator.address}", yes)
    try:
        if deploy_factory:
            factory = deploy_factory_for_spec(spec, creator, books)
            out(f"deployed IndexFactory at {factory.address}")
        else:
            factory = find_factory(books, factory_name)
        created = create_from_spec(
            factory,
            spec,
            creator,
            books,
            initial_shares=shares,
            nav_feed_description=nav_feed,
            zap=not no_zap,
            echo=out,
        )
    except FactoryError as exc:
        raise ToolError(str(exc)) from exc
    e = created.entry
    addresses = {"vault": e.vault, "oracle": e.oracle, "rebalancer": e.rebalancer}
    if e.nav_feed:
        addresses["nav_feed"] = e.nav_feed
    if created.zap:
        addresses["zap"] = created.zap
    if created.auction:
        addresses["auction"] = created.auction
    if as_json:
        emit_json(
            {
                "symbol": spec.symbol,
                "name": created.name,
                "spec": spec_path,
                "factory": str(factory.address),
                "id": e.id,
                "gas_used": created.gas_used,
                "seed": created.seed,
                "book": str(books.primary.path),
                **addresses,
                **({"auction_changes": created.auction_changes} if created.auction else {}),
            }
        )
        return
    out(f"address book: {books.primary.path} ({created.name})")
    for role, address in addresses.items():
        out(f"  {role:<10} {address}")
