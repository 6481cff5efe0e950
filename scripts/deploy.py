"""Deploy an index from a spec: `ape run deploy --spec examples/blue-chip.yaml --network ...`.

Deploys the oracle adapter, vault and rebalancer, wires their roles, and records the addresses
in deployments/<ecosystem>-<network>.json. Running it again sends only what differs from the
spec (nothing, usually); --force deploys fresh contracts.
"""

import click
from ape.cli import ConnectedProviderCommand

from vyndex.cli import ToolError, account_arg, friendly_errors, resolve_account
from vyndex.console import console
from vyndex.deploy import deploy_index
from vyndex.index import connected_books
from vyndex.spec import load_spec


@click.command(cls=ConnectedProviderCommand, short_help="Deploy an index from a YAML spec")
@click.option(
    "--spec", "spec_path", default="examples/blue-chip.yaml", show_default=True, help="The basket spec."
)
@click.option("--force", is_flag=True, help="Deploy fresh contracts even if the address book has them.")
@click.option("--check", is_flag=True, help="Validate the spec against the chain and send nothing.")
@account_arg()
@friendly_errors
def cli(ecosystem, network, spec_path, force, check, account_name):
    spec = load_spec(spec_path)  # every field validated before the chain is touched
    deployer = resolve_account(account_name, "deployer")
    books = connected_books()
    console.print(f"{spec.symbol} from {spec_path} on {ecosystem.name}:{network.name} as {deployer.address}")
    if check:
        from vyndex.deploy import preflight

        preflight(spec, deployer, books)
        console.print("spec OK: every name resolves and every address has code; nothing sent")
        return
    report = deploy_index(spec, deployer, books, force=force, echo=console.print)
    if not report.handle.vault.address:
        raise ToolError("deployment did not produce a vault")
    console.print(f"address book: {books.primary.path}")
    h = report.handle
    for role in ("vault", "oracle", "rebalancer"):
        console.print(f"  {role:<10} {getattr(h, role).address}")
