#!/usr/bin/python3
"""The per-series recipe of bench/panel/run.py as a Python user would write it with PyTorch: a loop
over the series, one model each (../shared/bench/torch_reference.py's Net: nn.LSTM + nn.Linear on
the last step), min-max scaled on the training rows, the last 10% of the rows validating, Adam,
mini-batches of shuffled windows, a fixed number of epochs. Prints one JSON object.

  /usr/bin/python3 bench/panel/torch_panel_loop.py panel.csv --series 50 --threads 2
"""
import argparse
import csv
import importlib.util
import json
import os
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
# ../shared/bench beside the checkout, or where LSTMF_SHARED_BENCH says (as bench/harness.py).
REFERENCE = os.path.join(os.path.normpath(os.environ.get("LSTMF_SHARED_BENCH") or
                                          os.path.join(HERE, "..", "..", "..", "shared", "bench")), "torch_reference.py")


def load_net():
    """torch_reference.py's Net when the shared benchmark folder is there, else the same class."""
    if os.path.exists(REFERENCE):
        spec = importlib.util.spec_from_file_location("torch_reference", REFERENCE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Net, "../shared/bench/torch_reference.py"

    class Net(torch.nn.Module):
        def __init__(self, features, hidden, layers):
            super().__init__()
            self.lstm = torch.nn.LSTM(features, hidden, num_layers=layers, batch_first=True)
            self.head = torch.nn.Linear(hidden, 1)

        def forward(self, x):
            return self.head(self.lstm(x)[0][:, -1])
    return Net, "local copy"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--series", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--look-back", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    Net, source = load_net()

    series = {}
    with open(a.data) as f:
        for row in csv.DictReader(f):
            if row["id"] not in series and len(series) == a.series:
                continue
            series.setdefault(row["id"], []).append((row["date"], float(row["value"])))
    start = time.perf_counter()
    windows = 0
    for sid, rows in series.items():
        values = torch.tensor([v for _, v in sorted(rows)], dtype=torch.float32)
        n = len(values)
        train_end = n - round(n * a.val_fraction)
        lo, hi = values[:train_end].min(), values[:train_end].max()
        scaled = (values - lo) / (hi - lo)
        T = a.look_back
        x = scaled.unfold(0, T, 1)[:n - T].unsqueeze(-1)   # [n - T, T, 1]
        y = scaled[T:].unsqueeze(-1)                       # [n - T, 1]
        train_x, train_y = x[:train_end - T], y[:train_end - T]
        val_x, val_y = x[train_end - T:], y[train_end - T:]
        windows += len(train_x)
        net = Net(1, a.hidden, 1)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        best, best_state = float("inf"), None
        for _ in range(a.epochs):
            perm = torch.randperm(len(train_x))
            for b in range(0, len(train_x), a.batch_size):
                idx = perm[b:b + a.batch_size]
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(net(train_x[idx]), train_y[idx])
                loss.backward()
                opt.step()
            with torch.no_grad():
                val = torch.nn.functional.mse_loss(net(val_x), val_y).item()
            if val < best:
                best, best_state = val, {k: v.clone() for k, v in net.state_dict().items()}
        net.load_state_dict(best_state)
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": "pytorch-loop", "net": source, "torch": torch.__version__, "threads": a.threads,
                      "series": len(series), "train_windows": windows, "epochs": a.epochs, "hidden": a.hidden,
                      "seconds": round(seconds, 2), "series_per_s": round(len(series) / seconds, 2),
                      "seconds_per_series": round(seconds / len(series), 4)}))


if __name__ == "__main__":
    main()
