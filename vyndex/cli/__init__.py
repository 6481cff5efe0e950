"""The command line: what every `vyndex <command>` shares (`common`: errors, --json, -y, account
and index choice), rich output (`console`), the `vyndex` launcher (`launcher`) and the zap paths of
mint and redeem (`zap`). The commands themselves are thin scripts in `scripts/`."""
