"""The latency profile's Update Inventory verdict is given on the median of its runs, and the row shows their spread."""

from bench.inventory import median_run


def _run(seconds):
    return {"seconds": seconds, "floor_ratio": seconds / 1.4}


def test_the_median_run_is_judged_and_the_label_shows_the_fastest_and_slowest():
    runs = [_run(1.75), _run(1.61), _run(1.96)]
    chosen, note = median_run(runs)
    assert chosen is runs[0]  # 1.75 s: neither the lucky 1.61 nor the unlucky 1.96
    assert note == "median of 3 runs, 1.15-1.40x"  # 1.61 / 1.4 and 1.96 / 1.4


def test_one_run_is_its_own_verdict_without_a_label():
    only = _run(1.5)
    assert median_run([only]) == (only, "")
