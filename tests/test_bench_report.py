"""The "Running times" page shows what `make bench` measured, nothing typed by hand.

benchmarks/results.md must be exactly what bench.report() makes of
benchmarks/results.json (so neither was edited alone), the appendix page must
include it, and the report must say "not met" when a target is missed.
"""
from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def results():
    return json.loads((ROOT / "benchmarks" / "results.json").read_text())


def test_results_md_is_generated_from_the_json(bench, results):
    md = (ROOT / "benchmarks" / "results.md").read_text()
    assert md == bench.report(results), (
        "benchmarks/results.md differs from bench.report(results.json): "
        "run `make bench` instead of editing either file")


def test_running_times_page_includes_the_report():
    page = (ROOT / "appendix" / "running_times.md").read_text()
    assert "```{include} ../benchmarks/results.md" in page
    assert "appendix/running_times" in (ROOT / "_toc.yml").read_text()


def test_every_target_is_reported_and_a_miss_says_not_met(bench, results):
    md = bench.report(results)
    for name, ok in results["targets"].items():
        word = "not measured" if ok is None else ("**met**" if ok else "**not met**")
        assert f"| {name} | {word} |" in md
    worse = copy.deepcopy(results)
    name = next(k for k, v in worse["targets"].items() if v)
    worse["targets"][name] = False
    assert f"| {name} | **not met** |" in bench.report(worse)


def test_targets_in_the_report_come_from_TARGETS(bench, results):
    """The bounds printed in the target names are those the code checks."""
    t = bench.TARGETS
    names = " ".join(results["targets"])
    assert f"≤ {t['mlp_ratio']}× torch" in names
    assert f"≤ {t['optim_ratio']}× torch foreach" in names
    assert f"≤ {t['chapter_s']:.0f} s" in names
