"""The `vyndex` command: the Makefile's environment for every shell, then Ape.

`ape run ...` in a new shell lacks what the Makefile exports: the project's `bin` and
`node_modules/.bin` on PATH (Anvil, from the npm package `@foundry-rs/anvil`, through `bin/anvil`,
which removes the states Anvil persists when it stops; without Anvil on PATH ape-foundry raises
FoundryNotInstalledError) and VVM_BINARY_PATH (where ape-vyper finds the pinned vyper). This
entry point sets both, puts the virtual environment's own `bin` on PATH too (so
`.venv/bin/vyndex` works without activating anything), silences a pydantic-settings warning Ape
triggers, and then replaces itself with Ape:

    vyndex status --network ethereum:local:foundry      ==  ape run status --network ...
    vyndex ape accounts list                             ==  ape accounts list
    vyndex silverback run keeper --network ...           ==  silverback run keeper --network ...
    eval "$(vyndex env)"                                  the same environment for this shell
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

# Ape's settings models trigger pydantic-settings' IncompleteFieldDefinitionWarning (a UserWarning
# starting "Field '<name>' has an incomplete definition") in every command; nothing a user can act
# on. -W filters cannot name a third-party category (it is not importable yet at start-up), so
# this one matches the message's start.
QUIET_WARNINGS = "ignore:Field :UserWarning"
PASSTHROUGH = ("ape", "silverback")

USAGE = """\
usage: vyndex COMMAND [ARGS]...

Runs the project's Ape scripts with the environment `make` gives them (Anvil from
node_modules/.bin through bin/anvil on PATH, VVM_BINARY_PATH for the pinned vyper).

commands (each is `ape run COMMAND`; `vyndex COMMAND --help` shows its options):
{commands}

also:
  vyndex ape ARGS...          any ape command (accounts, test, compile, console, ...)
  vyndex silverback ARGS...   the Silverback keeper bot: vyndex silverback run keeper --network ...
  vyndex env                  print `export` lines: eval "$(vyndex env)" in a shell
  vyndex root                 print the project directory in use

example:
  vyndex status --network ethereum:mainnet-fork:foundry
"""


class LauncherError(RuntimeError):
    """No vyndex project around here."""


def is_project(path: Path) -> bool:
    return (path / "ape-config.yaml").is_file() and (path / "scripts").is_dir()


def project_root(cwd: Path | None = None) -> Path:
    """The vyndex project: the nearest directory at or above `cwd` with ape-config.yaml and
    scripts/, else the checkout this package was installed from (an editable install)."""
    start = (cwd or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        if is_project(directory):
            return directory
    installed = Path(__file__).resolve().parents[2]
    if is_project(installed):
        return installed
    raise LauncherError(f"no vyndex project (ape-config.yaml and scripts/) at or above {start}")


def environment(root: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: os.environ) with what the Makefile exports for `root`."""
    env = dict(os.environ if base is None else base)
    first = [str(root / "bin"), str(root / "node_modules" / ".bin"), str(Path(sys.executable).parent)]
    rest = [p for p in env.get("PATH", "").split(os.pathsep) if p and p not in first]
    env["PATH"] = os.pathsep.join(first + rest)
    env["VVM_BINARY_PATH"] = str(root / ".vvm")
    warnings = [w for w in env.get("PYTHONWARNINGS", "").split(",") if w]
    if QUIET_WARNINGS not in warnings:
        env["PYTHONWARNINGS"] = ",".join([*warnings, QUIET_WARNINGS])
    return env


def scripts(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "scripts").glob("*.py") if not p.name.startswith("_"))


def command_for(args: Sequence[str]) -> list[str]:
    """The command line `vyndex ARGS` runs."""
    if args and args[0] in PASSTHROUGH:
        return list(args)
    return ["ape", "run", *args]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        root = project_root()
    except LauncherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    env = environment(root)
    if not args or args[0] in ("-h", "--help", "help"):
        listed = "\n".join(f"  {name}" for name in scripts(root))
        print(USAGE.format(commands=listed))
        return 0
    if args[0] == "env":
        for key in ("PATH", "VVM_BINARY_PATH", "PYTHONWARNINGS"):
            print(f"export {key}={shlex.quote(env[key])}")
        return 0
    if args[0] == "root":
        print(root)
        return 0
    if args[0] not in PASSTHROUGH and args[0] not in scripts(root):
        print(f"error: no command '{args[0]}' (see `vyndex --help`)", file=sys.stderr)
        return 1
    if not (Path.cwd().resolve() == root or root in Path.cwd().resolve().parents):
        os.chdir(root)  # ape finds scripts/ and contracts/ from the working directory
    command = command_for(args)
    os.execvpe(command[0], command, env)  # replaces this process: signals and exit code are Ape's
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
