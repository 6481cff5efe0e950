#!/usr/bin/env bash
# `make demo`: the whole life of an index on a local mainnet-shaped fork, in one command.
#
#   devnet (Anvil, chain id 1, Uniswap V2 + feeds + IndexFactory) -> a persistent fork of it ->
#   create the blue-chip example through the factory (the creator pays the seed; a zap beside
#   it) -> mint for a holder, in kind and paying ETH through the zap -> status -> move prices
#   (feeds and pools) -> status -> keeper until the basket is back within its threshold ->
#   redeem -> status
#
# Every node it starts is stopped on exit, failure or Ctrl-C; a devnet that was already running
# is used and left running.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=.devnet
NET=(--network ethereum:mainnet-fork:foundry)
CREATOR=TEST::0
HOLDER=TEST::1
SPEC=examples/blue-chip.yaml
SEED=10
started_devnet=0

stop_pid_file() {
    local file="$STATE/$1.pid"
    if [[ -f "$file" ]]; then
        local pid
        pid=$(cat "$file")
        if kill -0 "$pid" 2>/dev/null; then
            # The node runs in its own process group (npm's anvil wraps the binary).
            kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 -- "-$pid" 2>/dev/null || true
            echo "demo: stopped $1 (pid $pid)"
        fi
        rm -f "$file"
    fi
}

cleanup() {
    local rc=$?
    stop_pid_file demo-fork
    if [[ $started_devnet == 1 ]]; then stop_pid_file devnet; fi
    if [[ $rc != 0 ]]; then echo "demo: FAILED (exit $rc); node logs in $STATE/" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
quiet() { grep -v -e '^INFO:' -e '^SUCCESS:' -e 'IncompleteFieldDefinitionWarning' -e 'warnings.warn' || true; }

step "devnet: Anvil with chain id 1, WETH9 + Uniswap V2, tokens, feeds, pools, IndexFactory"
if ape run devnet status >/dev/null 2>&1; then
    echo "demo: a devnet is already running; using it (it stays running)"
else
    started_devnet=1
    ape run devnet start 2>&1 | grep -v -e '^INFO:' -e '^SUCCESS:' | quiet
    [[ -f $STATE/devnet.pid ]] || { echo "demo: devnet did not start" >&2; exit 1; }
fi

step "fork it: a persistent ethereum:mainnet-fork node the next commands share"
ape run devnet fork --name demo-fork 2>&1 | quiet
APE_FOUNDRY_HOST=$(cat "$STATE/demo-fork.uri")
export APE_FOUNDRY_HOST

step "create $SPEC through the devnet's IndexFactory ($CREATOR pays the seed: $SEED VBLUE)"
ape run devnet fund "$SEED" --spec "$SPEC" --account "$CREATOR" "${NET[@]}" 2>&1 | quiet
created=$(ape run create --spec "$SPEC" --shares "$SEED" --account "$CREATOR" --json -y "${NET[@]}" \
    2>"$STATE/create.err") || { cat "$STATE/create.err" >&2; exit 1; }
python3 -c '
import json, sys
c = json.loads(sys.argv[1])
print("{name}: index #{id} of factory {factory}, {gas_used:,} gas, seed {seed}".format(**c))
for role in ("vault", "oracle", "rebalancer", "zap"):
    print("  {:<10} {}".format(role, c[role]))
' "$created"

step "mint 1,000 VBLUE for the holder ($HOLDER)"
ape run devnet fund 1000 --account "$HOLDER" "${NET[@]}" 2>&1 | quiet
ape run mint 1000 --slippage 0.5% --account "$HOLDER" "${NET[@]}" 2>&1 | quiet

step "mint 10 VBLUE paying ETH through the index's zap (every leg bounded by the oracle)"
ape run mint 10 --pay-with ETH --max 1% --account "$HOLDER" -y "${NET[@]}" 2>&1 | quiet

step "status before"
ape run status "${NET[@]}" 2>&1 | quiet

step "the market moves: WETH +25%, WBTC -10% (feeds, then pools by arbitrage)"
ape run devnet price WETH +25% "${NET[@]}" 2>&1 | quiet
ape run devnet price WBTC -10% "${NET[@]}" 2>&1 | quiet
ape run status "${NET[@]}" 2>&1 | quiet

step "keeper: rebalance until the drift is within the threshold (cooldowns fast-forwarded)"
ape run keeper --until-balanced --fast-forward --max-steps 40 "${NET[@]}" 2>&1 | quiet

step "redeem 500 VBLUE"
ape run redeem 500 --slippage 0.5% --account "$HOLDER" "${NET[@]}" 2>&1 | quiet

step "status after"
ape run status "${NET[@]}" 2>&1 | quiet
ape run status --json "${NET[@]}" 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
drift, threshold = s["rebalance"]["drift_bps"], s["rebalance"]["threshold_bps"]
assert drift is not None and drift <= threshold, f"drift {drift} bps above {threshold}"
trades = s["rebalance"]["trades"]
assert trades > 0, "no trade happened"
print(f"demo: OK: drift {drift} bps <= {threshold} bps after {trades} trades")
'
