"""What the keeper bot reports beyond its log lines: metrics, drift alerts, a Prometheus endpoint.

Each block, the bot's handler returns `BotMetrics.record(...)`: plain numbers that Silverback
prints, writes to its session file under `--record` (`.silverback-sessions/<bot>/<ecosystem>/
<network>/session-*.jsonl`, read back with `silverback.recorder.get_metrics`) and hands to
`@bot.on_metric` handlers. Two such handlers are the drift alerts (`AlertLevels`, from the
environment):

* ``drift_bps`` above ``VYNDEX_ALERT_DRIFT_BPS`` (default 500): the basket is far from its targets;
* ``drifted_blocks`` at ``VYNDEX_ALERT_DRIFTED_BLOCKS`` (default 20) or more: the drift has stayed
  past the rebalancer's threshold that many blocks running, so the keeper is not bringing it back
  (no executable trade, a failing feed, a paused vault, no funds for gas).

An alert is a WARNING on the ``vyndex.keeper.alert`` logger, once per episode (again only after
the value has come back under the level), and a ``drift_alerts`` metric.

Silverback's own ``SILVERBACK_ENABLE_METRICS`` serves taskiq's task counters on port 9000, and
only from a `silverback worker` process: `silverback run` never starts that server. So the
values above are also served for Prometheus by `PrometheusExporter` when
``VYNDEX_METRICS_PORT`` is set (127.0.0.1, or ``VYNDEX_METRICS_ADDR``), per index
(``vyndex_drift_bps{index="VBLUE"}``), under both commands.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from vyndex.keeper.loop import StepResult

alert_log = logging.getLogger("vyndex.keeper.alert")


@dataclass(frozen=True)
class AlertLevels:
    """When a drift alert fires: above `drift_bps`, or after `drifted_blocks` blocks past the
    rebalancer's threshold."""

    drift_bps: int = 500
    drifted_blocks: int = 20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertLevels:
        env = os.environ if env is None else env
        default = cls()
        try:
            return cls(
                drift_bps=int(env.get("VYNDEX_ALERT_DRIFT_BPS", default.drift_bps)),
                drifted_blocks=int(env.get("VYNDEX_ALERT_DRIFTED_BLOCKS", default.drifted_blocks)),
            )
        except ValueError as exc:
            names = "VYNDEX_ALERT_DRIFT_BPS and VYNDEX_ALERT_DRIFTED_BLOCKS"
            raise ValueError(f"{names} must be whole numbers: {exc}") from None


class PrometheusExporter:
    """The keeper's numbers per index on an HTTP endpoint Prometheus scrapes (`/metrics`)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()

        def gauge(name: str, text: str) -> Gauge:
            return Gauge(name, text, ["index"], registry=self.registry)

        def counter(name: str, text: str) -> Counter:
            return Counter(name, text, ["index"], registry=self.registry)

        self.drift = gauge("vyndex_drift_bps", "largest |weight - target| in bps (-1: a price fails)")
        self.threshold = gauge("vyndex_drift_threshold_bps", "the rebalancer's drift threshold in bps")
        self.drifted = gauge("vyndex_drifted_blocks", "blocks in a row past the threshold")
        self.performed = counter("vyndex_upkeeps_performed", "upkeeps performed")
        self.failed = counter("vyndex_steps_failed", "steps that reverted or lost the RPC")
        self.trades = counter("vyndex_trades", "trades made")
        self.gas = counter("vyndex_gas_used", "gas used by upkeeps")
        self.alerts = counter("vyndex_drift_alerts", "drift alerts raised")

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        start_http_server(port, addr=addr, registry=self.registry)

    def observe(self, index: str, values: Mapping[str, Any]) -> None:
        self.drift.labels(index).set(values["drift_bps"])
        self.threshold.labels(index).set(values["threshold_bps"])
        self.drifted.labels(index).set(values["drifted_blocks"])
        self.performed.labels(index).inc(values["performed"])
        self.failed.labels(index).inc(values["failed"])
        self.trades.labels(index).inc(values["trades"])
        self.gas.labels(index).inc(values["gas_used"])


@dataclass
class BotMetrics:
    """Turns each keeper step into the numbers the bot returns, and raises the drift alerts."""

    levels: AlertLevels = field(default_factory=AlertLevels)
    exporter: PrometheusExporter | None = None
    drifted: dict[str, int] = field(default_factory=dict)  # blocks in a row past the threshold
    last: dict[str, dict[str, Any]] = field(default_factory=dict)  # each index's latest numbers
    alerting: set[str] = field(default_factory=set)  # alert kinds whose episode is open

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BotMetrics:
        """Levels from the environment; a Prometheus endpoint when VYNDEX_METRICS_PORT is set."""
        env = os.environ if env is None else env
        metrics = cls(AlertLevels.from_env(env))
        if env.get("VYNDEX_METRICS_PORT"):
            metrics.exporter = PrometheusExporter()
            metrics.exporter.serve(
                int(env["VYNDEX_METRICS_PORT"]), env.get("VYNDEX_METRICS_ADDR", "127.0.0.1")
            )
        return metrics

    def record(self, index: str, result: StepResult) -> dict[str, Any]:
        """One index's step as metrics: the keeper's own (`StepResult.metrics`) plus the
        threshold, how far past it the drift is, and for how many blocks in a row."""
        values = result.metrics()
        obs = result.observation
        threshold = obs.threshold_bps if obs is not None else -1
        over = obs is not None and obs.drift_bps is not None and obs.drift_bps > threshold
        self.drifted[index] = self.drifted.get(index, 0) + 1 if over else 0
        values |= {
            "threshold_bps": threshold,
            "drift_excess_bps": max(values["drift_bps"] - threshold, 0) if threshold >= 0 else 0,
            "drifted_blocks": self.drifted[index],
        }
        self.last[index] = values
        if self.exporter is not None:
            self.exporter.observe(index, values)
        self._close_episodes()
        return values

    def record_fleet(self, results: Mapping[str, StepResult]) -> dict[str, Any]:
        """Every index's step ({index name: result}) recorded, and the fleet's numbers: sums,
        and the largest drift so that one set of alerts covers every index."""
        per = [self.record(index, result) for index, result in results.items()]
        return {
            "indexes": len(per),
            "performed": sum(v["performed"] for v in per),
            "failed": sum(v["failed"] for v in per),
            "trades": sum(v["trades"] for v in per),
            "gas_used": sum(v["gas_used"] for v in per),
            "drift_bps": max((v["drift_bps"] for v in per), default=-1),
            "drifted_blocks": max((v["drifted_blocks"] for v in per), default=0),
        }

    def alert(self, kind: str, value: Any) -> dict[str, int]:
        """An `on_metric` handler's work: a WARNING naming the index, once per episode."""
        if kind not in ("drift_bps", "drifted_blocks"):
            raise ValueError(f"no alert on {kind}")
        worst = max(self.last, key=lambda i: self.last[i][kind], default="?")
        if kind in self.alerting:
            return {"drift_alerts": 0}
        self.alerting.add(kind)
        if kind == "drift_bps":
            alert_log.warning(
                "ALERT %s: drift %s bps is over the alert level of %d bps (threshold %s bps)",
                worst,
                value,
                self.levels.drift_bps,
                self.last.get(worst, {}).get("threshold_bps", "?"),
            )
        else:
            alert_log.warning(
                "ALERT %s: drift past the threshold for %s blocks in a row (alert level %d): "
                "the keeper is not bringing it back",
                worst,
                value,
                self.levels.drifted_blocks,
            )
        if self.exporter is not None:
            self.exporter.alerts.labels(worst).inc()
        return {"drift_alerts": 1}

    def _close_episodes(self) -> None:
        """An alert may fire again once every index is back under its level."""
        if "drift_bps" in self.alerting and all(
            v["drift_bps"] <= self.levels.drift_bps for v in self.last.values()
        ):
            self.alerting.discard("drift_bps")
            alert_log.info("drift back under the alert level of %d bps", self.levels.drift_bps)
        if "drifted_blocks" in self.alerting and all(
            v["drifted_blocks"] < self.levels.drifted_blocks for v in self.last.values()
        ):
            self.alerting.discard("drifted_blocks")
            alert_log.info("every index back within its drift threshold")
