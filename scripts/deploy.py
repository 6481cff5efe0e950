"""Deploy an index from a spec: `vyndex deploy --spec examples/blue-chip.yaml --network ...`."""

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
from vyndex.deploy import deploy_index, preflight
from vyndex.index import connected_books
from vyndex.spec import load_spec

EXAMPLE_SPEC = "examples/blue-chip.yaml"


@click.command(
    cls=ConnectedProviderCommand,
    short_help="Deploy an index from a YAML basket spec",
    help=f"""Deploy an index from a YAML basket spec.

    Deploys the oracle adapter, vault and rebalancer, wires their roles, and records the addresses
    in deployments/<ecosystem>-<network>.json. Running it again sends only what differs from the
    spec (usually nothing); --force deploys fresh contracts. --check validates the spec against
    the chain (every name resolves, every address has code) and sends nothing.

    On local and fork networks --spec defaults to {EXAMPLE_SPEC}; elsewhere it is required, and
    you are asked before anything is sent (-y skips that).

    \b
    Example:
      vyndex deploy --spec examples/blue-chip.yaml --network ethereum:mainnet-fork:foundry
      vyndex deploy --spec my-index.yaml --check --network ethereum:sepolia:node --account deployer
    """,
)
@click.option(
    "--spec",
    "spec_path",
    default=None,
    metavar="FILE",
    help=f"The basket spec [local/fork: {EXAMPLE_SPEC}].",
)
@click.option("--force", is_flag=True, help="Deploy fresh contracts even if the address book has them.")
@click.option("--check", is_flag=True, help="Validate the spec against the chain and send nothing.")
@account_arg()
@yes_arg()
@json_arg()
@friendly_errors
def cli(ecosystem, network, spec_path, force, check, account_name, yes, as_json):
    if spec_path is None:
        if not is_dev_chain():
            raise ToolError(f"pass --spec FILE: on {ecosystem.name}:{network.name} there is no default spec")
        spec_path = EXAMPLE_SPEC
    spec = load_spec(spec_path)  # every field validated before the chain is touched
    deployer = resolve_account(account_name, "deployer")
    books = connected_books()
    out(f"{spec.symbol} from {spec_path} on {ecosystem.name}:{network.name} as {deployer.address}")
    if check:
        preflight(spec, deployer, books)
        out("spec OK: every name resolves and every address has code; nothing sent")
        if as_json:
            emit_json({"symbol": spec.symbol, "spec": spec_path, "check": "ok", "sent": False})
        return
    confirm_send(f"deploy {spec.symbol} from {spec_path} as {deployer.address}", yes)
    report = deploy_index(spec, deployer, books, force=force, echo=out)
    if not report.handle.vault.address:
        raise ToolError("deployment did not produce a vault")
    h = report.handle
    addresses = {role: str(getattr(h, role).address) for role in ("vault", "oracle", "rebalancer")}
    if as_json:
        emit_json({"symbol": h.symbol, "spec": spec_path, "book": str(books.primary.path), **addresses})
        return
    out(f"address book: {books.primary.path}")
    for role, address in addresses.items():
        out(f"  {role:<10} {address}")
