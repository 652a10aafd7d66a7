#!/usr/bin/python3
"""Many-series benchmarks (README "Scaling out"; figures, never asserted in tests):
  - per-series mode: series trained per second, end to end (load, train, write the checkpoint)
  - global mode: seconds per epoch over the windows of every series
  - predict: every series from the checkpoint
  - the same per-series recipe as a Python loop with PyTorch (torch_panel_loop.py) on --torch-series
and the peak RSS of each run. Prints one JSON object per measurement.

  bench/panel/run.py --binary build/lstm-forecast --series 10000 --threads 2 --work /tmp/panel-bench
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPE = ["--series-column", "id", "--target", "value", "--time-column", "date", "--look-back", "12",
          "--horizon", "1", "--hidden", "16", "--batch-size", "32", "--patience", "0", "--quiet",
          # min-max windows, as the PyTorch loop scales them (the many-series default is season since 2026-12-04)
          "--normalise", "minmax"]


def run(command, **kwargs):
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, **kwargs)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit("failed (%d): %s" % (status, " ".join(command)))
    return seconds, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/lstm-forecast")
    ap.add_argument("--series", type=int, default=10000)
    ap.add_argument("--length", type=int, default=120)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--global-epochs", type=int, default=2)
    ap.add_argument("--torch-series", type=int, default=50)
    ap.add_argument("--work", default="/tmp/lstmf-panel-bench")
    ap.add_argument("--skip", default="", help="comma-separated: per-series,global,predict,torch")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    os.makedirs(a.work, exist_ok=True)
    data = os.path.join(a.work, "panel-%d-%d.csv" % (a.series, a.length))
    if not os.path.exists(data):
        with open(data, "w") as f:
            subprocess.check_call([sys.executable, os.path.join(HERE, "make_panel.py"), "--series", str(a.series),
                                   "--length", str(a.length)], stdout=f)
    common = [a.binary, "train", "--data", data] + RECIPE + ["--threads", str(a.threads)]
    model = os.path.join(a.work, "per-series.json")
    if "per-series" not in skip:
        seconds, rss = run(common + ["--mode", "per-series", "--epochs", str(a.epochs), "--output", model])
        print(json.dumps({"bench": "per-series train", "series": a.series, "epochs": a.epochs, "threads": a.threads,
                          "seconds": round(seconds, 2), "series_per_s": round(a.series / seconds, 1),
                          "peak_rss_mb": round(rss), "checkpoint_mb": round(os.path.getsize(model) / 1e6)}), flush=True)
    if "predict" not in skip and os.path.exists(model):
        seconds, rss = run([a.binary, "predict", "--model", model, "--horizon", "18", "--threads", str(a.threads),
                            "--output", os.path.join(a.work, "forecast.csv")])
        print(json.dumps({"bench": "predict all series, 18 steps", "series": a.series, "seconds": round(seconds, 2),
                          "peak_rss_mb": round(rss)}), flush=True)
        one = "s%05d" % (a.series // 2)  # a series every run has (the ids are s00000 .. s<series - 1>)
        seconds, rss = run([a.binary, "predict", "--model", model, "--series", one, "--output", os.devnull])
        print(json.dumps({"bench": "predict one series of the checkpoint", "seconds": round(seconds, 2),
                          "peak_rss_mb": round(rss)}), flush=True)
    if "global" not in skip:
        log = os.path.join(a.work, "global-log.jsonl")
        seconds, rss = run(common + ["--mode", "global", "--epochs", str(a.global_epochs), "--log-json", log,
                                     "--output", os.path.join(a.work, "global.json")])
        epochs = [json.loads(line) for line in open(log)]
        print(json.dumps({"bench": "global train", "series": a.series, "threads": a.threads,
                          "train_windows": epochs[0]["train_windows"],
                          "seconds_per_epoch": round(min(e["seconds"] for e in epochs), 2),
                          "total_seconds": round(seconds, 2), "peak_rss_mb": round(rss)}), flush=True)
    if "torch" not in skip:
        out = subprocess.check_output(["/usr/bin/python3", os.path.join(HERE, "torch_panel_loop.py"), data,
                                       "--series", str(a.torch_series), "--threads", str(a.threads),
                                       "--epochs", str(a.epochs)])
        print(out.decode().strip(), flush=True)


if __name__ == "__main__":
    main()
