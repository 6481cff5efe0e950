"""The keeper bot's metrics and drift alerts (vyndex.keeper.metrics), in process: what each block's
handler returns, when an alert fires (once per episode), and the Prometheus endpoint's numbers."""

from __future__ import annotations

import logging
import socket
import urllib.request

import pytest

from vyndex.keeper.loop import ACTION_NONE, Observation, Outcome, StepResult, Upkeep
from vyndex.keeper.metrics import AlertLevels, BotMetrics, PrometheusExporter


def step(drift: int | None, threshold: int = 200, outcome: Outcome = Outcome.IDLE) -> StepResult:
    obs = Observation(
        block=1,
        timestamp=1,
        genesis="0x00",
        upkeep=Upkeep(False, b"", ACTION_NONE, 4, 0, 0, 0, 0),
        trades=0,
        plan=0,
        paused=False,
        nonce=0,
        drift_bps=drift,
        threshold_bps=threshold,
    )
    return StepResult(outcome=outcome, message="", block=1, drift_bps=drift, observation=obs)


def test_record__drift_past_threshold__counts_blocks_in_a_row_and_resets():
    metrics = BotMetrics(AlertLevels(drift_bps=500, drifted_blocks=3))
    seen = [metrics.record("VBLUE", step(d)) for d in (250, 260, None, 300, 150)]
    assert [v["drifted_blocks"] for v in seen] == [1, 2, 0, 1, 0]  # a failing price is no drift
    assert seen[0]["drift_excess_bps"] == 50 and seen[0]["threshold_bps"] == 200
    assert seen[2]["drift_bps"] == -1 and seen[4]["drift_excess_bps"] == 0
    assert {"performed", "failed", "trades", "gas_used", "slippage_bps"} <= set(seen[0])


def test_alert__over_the_level__one_warning_per_episode(caplog):
    metrics = BotMetrics(AlertLevels(drift_bps=500, drifted_blocks=3))
    caplog.set_level(logging.INFO, logger="vyndex.keeper.alert")
    metrics.record("VBLUE", step(620))
    assert metrics.alert("drift_bps", 620) == {"drift_alerts": 1}
    metrics.record("VBLUE", step(640))
    assert metrics.alert("drift_bps", 640) == {"drift_alerts": 0}  # the same episode
    metrics.record("VBLUE", step(300))  # back under: the episode ends
    metrics.record("VBLUE", step(700))
    assert metrics.alert("drift_bps", 700) == {"drift_alerts": 1}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "ALERT VBLUE: drift 620 bps is over the alert level of 500 bps (threshold 200 bps)",
        "ALERT VBLUE: drift 700 bps is over the alert level of 500 bps (threshold 200 bps)",
    ]


def test_record_fleet__sums_and_the_worst_drift__alert_names_that_index(caplog):
    metrics = BotMetrics(AlertLevels(drift_bps=500, drifted_blocks=2))
    caplog.set_level(logging.WARNING, logger="vyndex.keeper.alert")
    for _ in range(2):
        fleet = metrics.record_fleet({"VBLUE": step(100), "VDEFI": step(350, threshold=300)})
    assert fleet["indexes"] == 2 and fleet["drift_bps"] == 350 and fleet["drifted_blocks"] == 2
    assert metrics.alert("drifted_blocks", fleet["drifted_blocks"]) == {"drift_alerts": 1}
    assert "ALERT VDEFI: drift past the threshold for 2 blocks in a row" in caplog.text


def test_alert_levels__from_the_environment__and_refused_when_not_numbers():
    levels = AlertLevels.from_env({"VYNDEX_ALERT_DRIFT_BPS": "300", "VYNDEX_ALERT_DRIFTED_BLOCKS": "5"})
    assert levels == AlertLevels(drift_bps=300, drifted_blocks=5)
    assert AlertLevels.from_env({}) == AlertLevels(drift_bps=500, drifted_blocks=20)
    with pytest.raises(ValueError, match="whole numbers"):
        AlertLevels.from_env({"VYNDEX_ALERT_DRIFT_BPS": "5%"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_prometheus_exporter__serves_each_index_numbers():
    port = _free_port()
    metrics = BotMetrics.from_env({"VYNDEX_METRICS_PORT": str(port), "VYNDEX_ALERT_DRIFT_BPS": "500"})
    metrics.record("VBLUE", step(620))
    metrics.alert("drift_bps", 620)
    metrics.record("VBLUE", step(180, outcome=Outcome.PERFORMED))
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert 'vyndex_drift_bps{index="VBLUE"} 180.0' in text
    assert 'vyndex_drift_threshold_bps{index="VBLUE"} 200.0' in text
    assert 'vyndex_upkeeps_performed_total{index="VBLUE"} 1.0' in text
    assert 'vyndex_drift_alerts_total{index="VBLUE"} 1.0' in text
    assert isinstance(metrics.exporter, PrometheusExporter)
