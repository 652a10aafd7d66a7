#!/usr/bin/env python3
"""Move LSTM forecasters between PyTorch and lstm-forecast checkpoints (docs/checkpoint.md).

  to-checkpoint    a state_dict of nn.LSTM "lstm" + nn.Linear "head" (.npz, .pt/.pth, or JSON),
                   a min-max scaler, the column names and a data tail -> an lstm-forecast checkpoint
  from-checkpoint  a checkpoint -> its state_dict (.npz, .pt or .json), scaler, config and data tail
  default-config   print the default config and the checkpoint version this tool writes (JSON)

Needs Python 3 and NumPy (Debian: python3-numpy). torch is imported only to read or write .pt
files. Files are written atomically (a temporary file in the same folder, then a rename) and
deterministically: the same inputs give byte-identical outputs. The checkpoint text is laid out as
lstm-forecast lays it out (keys sorted, one-space indent, an array of numbers alone on one line),
numbers in their shortest round-trip form.
Errors: one line on stderr, exit code 2 (bad input or usage) or 3 (file I/O).
"""

import argparse
import copy
import csv
import io
import json
import math
import os
import sys
import tempfile
import zipfile

PROG = "torch_interop.py"
FORMAT = "lstm-forecast-checkpoint"
FORMAT_VERSION = 2  # kCheckpointVersion in include/lstmf/checkpoint.hpp
PANEL_FORMAT_VERSION = 3  # kPanelCheckpointVersion there: many-series files count their own versions
TOOL_VERSION = "0.1.0"  # project(VERSION) in CMakeLists.txt; tests/test_torch_interop.cpp checks both

# The defaults of every config key, mirroring the structs of include/lstmf/config.hpp (the option
# table of src/config.cpp is the source of truth). A copy, not a call to the binary, so the tool
# runs where only a checkpoint and Python are; tests/test_torch_interop.cpp fails when this copy
# and to_json(Config{}) differ, so the two cannot drift apart unnoticed.
DEFAULT_CONFIG = {
    "data": {
        "path": "", "targets": [], "features": [], "time_column": "", "delimiter": "auto",
        "missing": "error", "look_back": "auto", "horizon": 1, "stride": 1, "val_fraction": 0.1,
        "test_fraction": 0.0, "scale_min": 0.0, "scale_max": 1.0, "normalise": "auto", "season": 0,
        "seasonal_adjust": "auto", "series_column": "", "strict": False,
    },
    "model": {
        "hidden": [50], "cell_activation": "tanh", "dropout": 0.0, "init": "pytorch",
        "unit_forget_bias": False, "ensemble": "auto",
    },
    "training": {
        "epochs": "auto", "batch_size": 32, "optimizer": "adam", "lr": 0.001, "beta1": 0.9,
        "beta2": 0.999, "eps": 1e-08, "alpha": 0.99, "momentum": 0.0, "centered": False,
        "weight_decay": 0.0, "loss": "mse", "huber_delta": 1.0, "clip_norm": 0.0, "patience": 10,
        "min_delta": 0.0, "lr_factor": 1.0, "lr_patience": 5, "min_lr": 0.0, "seed": 0,
        "threads": 0, "mode": "per-series", "refit": "auto", "combine": "auto", "theta_weight": 0.1,
    },
    "output": {"path": "model.json", "log_json": "", "checkpoint_every": 0},
}
# Keys whose value is one of a few names, and the element type of list keys (their defaults may be
# empty, so the type cannot be read off the default).
CHOICES = {
    "data.delimiter": ["auto", ",", ";", "\t"],
    "data.missing": ["error", "interpolate", "ffill"],
    "model.cell_activation": ["tanh", "relu"],
    "data.normalise": ["auto", "minmax", "last", "season"],
    "data.seasonal_adjust": ["auto", "none", "multiplicative", "additive"],
    "model.init": ["pytorch", "orthogonal"],
    "training.optimizer": ["adam", "rmsprop", "sgd"],
    "training.loss": ["mse", "mae", "huber"],
    "training.mode": ["per-series", "global"],
}
LIST_OF = {"data.targets": str, "data.features": str, "model.hidden": int}

# Limits the C++ option table puts on the keys this tool derives (src/config.cpp).
MAX_STEPS = 100000
MAX_HIDDEN = 4096
MAX_LAYERS = 16

SECONDS_PER_DAY = 86400
SECONDS_PER_WEEK = 7 * SECONDS_PER_DAY
TIME_KINDS = ["none", "integer", "year", "year_month", "date", "datetime", "year_quarter"]
MISSING_MARKERS = {"", "NA", "N/A", "#N/A", "NaN", "null", "NULL"}


class Failure(Exception):
    """One line for stderr, and the exit code (2 bad input or usage, 3 file I/O)."""

    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


def numpy():
    try:
        import numpy as np
    except ImportError:
        raise Failure("NumPy is needed: install python3-numpy (Debian) or pip install numpy")
    return np


def import_torch(why):
    try:
        import torch
    except ImportError:
        raise Failure(why + " needs PyTorch, which this Python cannot import; use .npz instead")
    return torch


# ---- JSON text laid out as lstm-forecast writes it (checkpoint_layout in checkpoint.hpp) -------

def format_float(value):
    """Shortest text that reads back as the same double (nlohmann/json, whose Grisu2 is not always
    shortest, may write one digit more for the same value)."""
    if not math.isfinite(value):
        raise Failure("cannot write a non-finite number (%r) into a checkpoint" % value)
    return repr(float(value))


def dump_json(value, indent=0):
    pad = " " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [pad + json.dumps(str(k), ensure_ascii=False) + ": " + dump_json(value[k], indent + 1)
                 for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value):
            return "[" + ",".join(dump_json(item) for item in value) + "]"
        items = [pad + dump_json(item, indent + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError("cannot write %r as JSON" % (value,))


# ---- files ----------------------------------------------------------------------------------

def write_atomically(path, write):
    """Calls write(binary file) on a temporary file in path's folder, then renames it over path, so
    readers see the old file or the whole new one. "-" writes to stdout."""
    if path == "-":
        buffer = io.BytesIO()
        write(buffer)
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.buffer.flush()
        return
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp = tempfile.mkstemp(prefix=os.path.basename(path) + ".lstmf-tmp.", dir=folder)
    except OSError as e:
        raise Failure("%s: cannot write: %s" % (path, e.strerror), 3)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as e:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise Failure("%s: cannot write: %s" % (path, e.strerror), 3)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def write_text(path, text):
    write_atomically(path, lambda out: out.write(text.encode("utf-8")))


# The largest JSON file read (a checkpoint of one series is far smaller): an endless input such as
# /dev/zero is refused after this many bytes, not read until memory runs out.
MAX_JSON_BYTES = 1 << 30


def refuse_duplicates(pairs):
    """json.loads object_pairs_hook: a key given twice is an error (lstm-forecast refuses it; Python
    would keep the last one silently)."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("duplicate key %s" % json.dumps(key))
        out[key] = value
    return out


def read_json(path, what):
    try:
        with open(path, "rb") if path != "-" else sys.stdin.buffer as f:
            data = f.read(1 << 16)  # binary data is refused before the rest is read
            if b"\0" not in data:
                data += f.read(MAX_JSON_BYTES + 1 - len(data))
    except OSError as e:
        raise Failure("%s: cannot read %s: %s" % (path, what, e.strerror), 3)
    if b"\0" in data:
        raise Failure("%s: binary data (a NUL byte at offset %d), not JSON (%s)" % (path, data.index(b"\0"), what))
    if len(data) > MAX_JSON_BYTES:
        raise Failure("%s: %s is larger than %d bytes: not a JSON file this tool reads" % (path, what, MAX_JSON_BYTES))
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=refuse_duplicates)
    except RecursionError:
        raise Failure("%s: not valid JSON (%s): nested too deeply" % (path, what))
    except (UnicodeDecodeError, ValueError) as e:
        raise Failure("%s: not valid JSON (%s): %s" % (path, what, e))


# ---- state_dict -----------------------------------------------------------------------------

# lstm-forecast computes in float: a weight beyond this is refused when it loads the checkpoint.
FLOAT_MAX = 3.4028234663852886e38


def float_array(value, where):
    """A real array of finite numbers within float's range, as float64; Failure naming `where`
    otherwise (strings, booleans, complex numbers, ragged nesting, NaN, Inf, 1e308)."""
    np = numpy()
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        raise Failure("%s must be nested arrays of numbers of one shape" % where)
    if array.dtype.kind not in "iuf":
        kind = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "strings", "O": "ragged or mixed values"}
        raise Failure("%s must be nested arrays of real numbers of one shape, got %s"
                      % (where, kind.get(array.dtype.kind, "dtype " + str(array.dtype))))
    array = array.astype(np.float64)
    bad = ~(np.abs(array) <= FLOAT_MAX)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Failure("%s%s is %r: lstm-forecast's weights are floats (finite, within +-3.4e38)"
                      % (where, "".join("[%d]" % i for i in index), float(array[index])))
    return array


def read_state_dict(path):
    """name -> float64 array, from .npz, .pt/.pth (torch) or JSON {name: nested arrays} (also a JSON
    object holding such a dict under "state_dict", as a checkpoint or a fixture case does)."""
    np = numpy()
    lower = path.lower()
    if lower.endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except OSError as e:
            raise Failure("%s: cannot read the state_dict: %s" % (path, e.strerror or e), 3)
        except (ValueError, EOFError, zipfile.BadZipFile, NotImplementedError) as e:
            raise Failure("%s: not a NumPy .npz archive of arrays: %s" % (path, e))
        return {name: float_array(array, "%s: %s" % (path, name)) for name, array in arrays.items()}
    if lower.endswith((".pt", ".pth")):
        torch = import_torch("reading " + path)
        try:
            try:
                loaded = torch.load(path, map_location="cpu", weights_only=True)
            except TypeError:  # torch < 1.13 has no weights_only
                loaded = torch.load(path, map_location="cpu")
        except Exception as e:  # torch raises many kinds; all mean "not a readable state_dict"
            raise Failure("%s: torch.load failed: %s" % (path, str(e).splitlines()[0] if str(e) else type(e).__name__))
        if hasattr(loaded, "state_dict") and callable(loaded.state_dict):
            loaded = loaded.state_dict()
        if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
            loaded = loaded["state_dict"]
        if not isinstance(loaded, dict):
            raise Failure("%s: expected a state_dict (a dict of tensors), got %s" % (path, type(loaded).__name__))
        out = {}
        for name, tensor in loaded.items():
            if not hasattr(tensor, "detach"):
                raise Failure("%s: %s is not a tensor" % (path, name))
            if getattr(tensor, "is_complex", lambda: False)():
                raise Failure("%s: %s is a complex tensor; the weights are real" % (path, name))
            try:
                array = tensor.detach().cpu().double().numpy()
            except (NotImplementedError, TypeError, RuntimeError) as e:  # a meta or sparse tensor: no values to read
                first = str(e).splitlines()[0] if str(e) else type(e).__name__
                raise Failure("%s: %s has no dense values to read (%s)" % (path, name, first))
            out[str(name)] = float_array(array, "%s: %s" % (path, name))
        return out
    data = read_json(path, "the state_dict")
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    if not isinstance(data, dict):
        raise Failure("%s: expected a JSON object {name: nested arrays}" % path)
    return {name: float_array(value, "%s: %s" % (path, name)) for name, value in data.items()}


def shape_text(shape):
    return "".join("[%d]" % n for n in shape) if shape else "a number"


def model_from_state_dict(state, lstm, head, inputs, targets, horizon, source):
    """Checks the tensors of `lstm` (nn.LSTM) and `head` (nn.Linear) against the columns and the
    horizon. Returns (hidden sizes, horizon, {PyTorch name: array}) with names "lstm."/"head."."""
    np = numpy()
    for name, array in state.items():
        if not np.all(np.isfinite(array)):
            raise Failure("%s: %s holds a non-finite value" % (source, name))
    # What lstm-forecast cannot run, said before shapes that would only follow from it.
    for name in sorted(state):
        if name.startswith(lstm + ".") and "_reverse" in name:
            raise Failure("%s: unexpected tensor %s (bidirectional LSTMs are not supported)" % (source, name))
        if name.startswith(lstm + ".weight_hr_l"):
            raise Failure("%s: unexpected tensor %s (LSTMs with proj_size are not supported)" % (source, name))
    # bias=False leaves out every bias of the module; one bias without the others is a damaged file
    # (read as zeros, it forecast otherwise than PyTorch).
    lstm_biases = [name for name in state if name.startswith(lstm + ".bias_")]
    layers = sum(1 for name in state if name.startswith(lstm + ".weight_ih_l"))
    if lstm_biases and len(lstm_biases) != 2 * layers:
        have = set(lstm_biases)
        missing = next(lstm + ".%s_l%d" % (kind, k) for k in range(layers) for kind in ("bias_ih", "bias_hh")
                       if lstm + ".%s_l%d" % (kind, k) not in have)
        raise Failure("%s: %s is missing, but other LSTM biases are there (nn.LSTM(bias=False) has none): a damaged "
                      "state_dict?" % (source, missing))
    hidden = []
    tensors = {}
    used = set()

    def take(name, shape, default_zero=False):
        if name not in state:
            if default_zero:  # nn.LSTM(bias=False) / nn.Linear(bias=False): the same as zeros
                return np.zeros(shape)
            raise Failure("%s: %s is missing (expected %s)" % (source, name, shape_text(shape)))
        used.add(name)
        if tuple(state[name].shape) != tuple(shape):
            raise Failure("%s: %s: expected %s, got %s" % (source, name, shape_text(shape), shape_text(state[name].shape)))
        return state[name]

    layer_in = inputs
    while lstm + ".weight_ih_l%d" % len(hidden) in state:
        k = len(hidden)
        w_ih = state[lstm + ".weight_ih_l%d" % k]
        if w_ih.ndim != 2 or w_ih.shape[0] % 4 != 0 or w_ih.shape[0] == 0:
            raise Failure("%s: %s.weight_ih_l%d: expected [4*hidden][inputs], got %s"
                          % (source, lstm, k, shape_text(w_ih.shape)))
        size = w_ih.shape[0] // 4
        if w_ih.shape[1] != layer_in:
            if k == 0:
                raise Failure("%s: %s.weight_ih_l0 is %s: the model takes %d inputs, but the columns given are %d "
                              "(targets then features)" % (source, lstm, shape_text(w_ih.shape), w_ih.shape[1], inputs))
            raise Failure("%s: %s.weight_ih_l%d: expected [%d][%d] (layer %d has hidden size %d), got %s"
                          % (source, lstm, k, 4 * size, layer_in, k - 1, layer_in, shape_text(w_ih.shape)))
        tensors["lstm.weight_ih_l%d" % k] = take(lstm + ".weight_ih_l%d" % k, (4 * size, layer_in))
        tensors["lstm.weight_hh_l%d" % k] = take(lstm + ".weight_hh_l%d" % k, (4 * size, size))
        tensors["lstm.bias_ih_l%d" % k] = take(lstm + ".bias_ih_l%d" % k, (4 * size,), default_zero=True)
        tensors["lstm.bias_hh_l%d" % k] = take(lstm + ".bias_hh_l%d" % k, (4 * size,), default_zero=True)
        hidden.append(size)
        layer_in = size
    if not hidden:
        raise Failure("%s: no %s.weight_ih_l0: not a state_dict of an nn.LSTM named '%s' (see --lstm-name)"
                      % (source, lstm, lstm))
    if len(hidden) > MAX_LAYERS:
        raise Failure("%s: %d LSTM layers; lstm-forecast takes at most %d" % (source, len(hidden), MAX_LAYERS))
    for k, size in enumerate(hidden):
        if size > MAX_HIDDEN:
            raise Failure("%s: layer %d has hidden size %d; lstm-forecast takes at most %d" % (source, k, size, MAX_HIDDEN))
    if head + ".weight" not in state:
        raise Failure("%s: no %s.weight: not a state_dict with an nn.Linear named '%s' (see --head-name)"
                      % (source, head, head))
    w_head = state[head + ".weight"]
    if w_head.ndim != 2 or w_head.shape[1] != hidden[-1]:
        raise Failure("%s: %s.weight: expected [outputs][%d] (the top layer's hidden size), got %s"
                      % (source, head, hidden[-1], shape_text(w_head.shape)))
    outputs = w_head.shape[0]
    if outputs == 0 or outputs % targets != 0:
        raise Failure("%s: %s.weight has %d outputs, not a multiple of the %d target column(s)"
                      % (source, head, outputs, targets))
    if horizon is None:
        horizon = outputs // targets
    elif horizon * targets != outputs:
        raise Failure("%s: %s.weight has %d outputs, but horizon %d x %d target(s) needs %d"
                      % (source, head, outputs, horizon, targets, horizon * targets))
    if horizon > MAX_STEPS:
        raise Failure("%s: horizon %d is more than lstm-forecast takes (%d)" % (source, horizon, MAX_STEPS))
    tensors["head.weight"] = take(head + ".weight", (outputs, hidden[-1]))
    tensors["head.bias"] = take(head + ".bias", (outputs,), default_zero=True)

    left = sorted(set(state) - used)
    if left:
        name = left[0]
        if "_reverse" in name:
            why = "bidirectional LSTMs are not supported"
        elif ".weight_hr_l" in name:
            why = "LSTMs with proj_size are not supported"
        elif name.startswith(lstm + ".weight_ih_l"):
            why = "the layers are not numbered 0, 1, 2, ..."
        else:
            why = "not part of an nn.LSTM '%s' + nn.Linear '%s' model" % (lstm, head)
        raise Failure("%s: unexpected tensor %s (%s)" % (source, name, why))
    return hidden, horizon, tensors


def state_dict_json(tensors):
    return {name: array.tolist() for name, array in tensors.items()}


# ---- timestamps: include/lstmf/time_index.hpp, mirrored ---------------------------------------

def days_from_civil(year, month, day):
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def civil_from_days(days):
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return year_of_era + era * 400 + (month <= 2), month, day


def days_in_month(year, month):
    if month == 2:
        return 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28
    return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def parse_time(text):
    """(tick, format) or None; format = {kind, t_separator, seconds, zulu} as the checkpoint has it."""
    fmt = {"kind": "none", "t_separator": False, "seconds": False, "zulu": False}
    if not text:
        return None
    digits = text[1:] if text[0] in "+-" else text
    if digits and all(c in "0123456789" for c in digits):
        if len(digits) > 18:
            return None
        if text[0] not in "+-" and len(digits) == 4:
            fmt["kind"] = "year"
            return days_from_civil(int(digits), 1, 1) * SECONDS_PER_DAY, fmt
        fmt["kind"] = "integer"
        return (-int(digits) if text[0] == "-" else int(digits)), fmt

    def number(pos, count):
        part = text[pos:pos + count]
        return int(part) if len(part) == count and all(c in "0123456789" for c in part) else None

    # Quarters 1990Q1, 1990-Q1 or 1990 Q1 (src/time_index.cpp): the quarter's first month.
    if len(text) in (6, 7) and number(0, 4) is not None and text[-2] == "Q" and text[-1] in "1234" \
            and (len(text) == 6 or text[4] in "- "):
        fmt["kind"] = "year_quarter"
        fmt["quarter_dash"] = len(text) == 7 and text[4] == "-"
        if len(text) == 7 and text[4] == " ":
            fmt["quarter_space"] = True
        return days_from_civil(number(0, 4), 3 * (int(text[-1]) - 1) + 1, 1) * SECONDS_PER_DAY, fmt

    year, month, day, hour, minute, second = number(0, 4), number(5, 2), 1, 0, 0, 0
    if year is None or len(text) < 7 or text[4] != "-" or month is None:
        return None
    if len(text) == 7:
        fmt["kind"] = "year_month"
    else:
        day = number(8, 2)
        if text[7] != "-" or day is None:
            return None
        if len(text) == 10:
            fmt["kind"] = "date"
        else:
            fmt["kind"] = "datetime"
            if text[10] not in " T":
                return None
            fmt["t_separator"] = text[10] == "T"
            hour, minute = number(11, 2), number(14, 2)
            if hour is None or len(text) < 16 or text[13] != ":" or minute is None:
                return None
            pos = 16
            if pos < len(text) and text[pos] == ":":
                second = number(17, 2)
                if second is None:
                    return None
                fmt["seconds"] = True
                pos = 19
                if pos < len(text) and text[pos] == ".":  # ".000": whole seconds only, as lstm-forecast reads
                    end = pos + 1
                    while end < len(text) and text[end] in "0123456789":
                        end += 1
                    if not 1 <= end - pos - 1 <= 9 or text[pos + 1:end].strip("0"):
                        return None
                    fmt["second_fraction_digits"] = end - pos - 1
                    pos = end
            if pos < len(text) and text[pos] == "Z":
                fmt["zulu"] = True
                pos += 1
            elif pos < len(text) and text[pos] in "+-":
                # A UTC offset, +HH:MM or +HHMM: the clock time is kept as written (as lstm-forecast does)
                colon = 1 if pos + 3 < len(text) and text[pos + 3] == ":" else 0
                hours, minutes = number(pos + 1, 2), number(pos + 3 + colon, 2)
                if hours is None or minutes is None or hours > 14 or minutes > 59 or hours * 60 + minutes > 14 * 60:
                    return None
                fmt["utc_offset_minutes"] = (-1 if text[pos] == "-" else 1) * (hours * 60 + minutes)
                if not colon:  # +0100 (Python's %z), written back so
                    fmt["utc_offset_colon"] = False
                pos += 5 + colon
            if pos != len(text):
                return None
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    return days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second, fmt


def split_tick(tick):
    days = tick // SECONDS_PER_DAY
    year, month, day = civil_from_days(days)
    return year, month, day, tick - days * SECONDS_PER_DAY


def format_tick(tick, fmt):
    kind = fmt["kind"]
    if kind in ("none", "integer"):
        return str(tick)
    year, month, day, second_of_day = split_tick(tick)
    if kind == "year":
        return "%04d" % year
    if kind == "year_month":
        return "%04d-%02d" % (year, month)
    if kind == "year_quarter":
        between = "-" if fmt.get("quarter_dash") else " " if fmt.get("quarter_space") else ""
        return "%04d%sQ%d" % (year, between, (month - 1) // 3 + 1)
    if kind == "date":
        return "%04d-%02d-%02d" % (year, month, day)
    text = "%04d-%02d-%02d%s%02d:%02d" % (year, month, day, "T" if fmt["t_separator"] else " ",
                                          second_of_day // 3600, second_of_day // 60 % 60)
    if fmt["seconds"]:
        text += ":%02d" % (second_of_day % 60)
        text += "." + "0" * fmt["second_fraction_digits"] if fmt.get("second_fraction_digits") else ""
    if "utc_offset_minutes" in fmt:
        offset = fmt["utc_offset_minutes"]
        text += "%s%02d%s%02d" % ("-" if offset < 0 else "+", abs(offset) // 60,
                                  ":" if fmt.get("utc_offset_colon", True) else "", abs(offset) % 60)
    return text + ("Z" if fmt["zulu"] else "")


def most_common_difference(values):
    counts = {}
    for a, b in zip(values, values[1:]):
        counts[b - a] = counts.get(b - a, 0) + 1
    return min(counts, key=lambda d: (-counts[d], d))


def business_day_number(days):
    """Business days as src/time_index.cpp counts them: five per week, Monday 1969-12-29 is 0."""
    return (days + 3) // 7 * 5 + min((days + 3) % 7, 4)


def business_day_step(ticks):
    """The greatest common divisor of the business-day differences (src/time_index.cpp)."""
    step = 0
    for a, b in zip(ticks, ticks[1:]):
        step = math.gcd(step, business_day_number(b // SECONDS_PER_DAY) - business_day_number(a // SECONDS_PER_DAY))
    return step


def business_day_ticks(ticks):
    """Weekdays at one time of day, a step across a weekend, a step of 1 to 4 business days."""
    if len(ticks) < 2:
        return False
    second_of_day = ticks[0] % SECONDS_PER_DAY
    days = [t // SECONDS_PER_DAY for t in ticks]
    if any(t % SECONDS_PER_DAY != second_of_day for t in ticks) or any((d + 3) % 7 >= 5 for d in days):
        return False
    across = any(business_day_number(b) - business_day_number(a) < b - a for a, b in zip(days, days[1:]))
    return across and 1 <= business_day_step(ticks) <= 4


def infer_frequency(ticks, fmt):
    """(unit, count) as infer_time_index in src/time_index.cpp finds them."""
    kind = fmt["kind"]
    if kind == "none":
        return "none", 0
    if kind == "integer":
        unit = "periods"
    elif kind in ("year", "year_month", "year_quarter"):
        unit = "months"
    else:
        unit = "seconds"
        if len(ticks) >= 2:
            civil = [split_tick(t) for t in ticks]
            same_phase = all(c[3] == civil[0][3] for c in civil)
            anchor = max(c[2] for c in civil)
            same_phase = same_phase and all(c[2] == min(anchor, days_in_month(c[0], c[1])) for c in civil)
            if same_phase:
                unit = "months"
            elif business_day_ticks(ticks):
                unit = "business_days"
    if len(ticks) < 2:
        natural = {"integer": ("periods", 1), "year": ("months", 12), "year_month": ("months", 1), "year_quarter": ("months", 3),
                   "date": ("seconds", SECONDS_PER_DAY)}
        return natural.get(kind, ("none", 0))
    if unit == "months":
        months = [c[0] * 12 + c[1] - 1 for c in map(split_tick, ticks)]
        return unit, most_common_difference(months)
    if unit == "business_days":
        return unit, business_day_step(ticks)
    return unit, most_common_difference(ticks)


def frequency_name(unit, count):
    def plural(n, word):
        return "%d %ss" % (n, word)
    if count <= 0 or unit == "none":
        return "none"
    if unit == "periods":
        return "every period" if count == 1 else "every " + plural(count, "period")
    if unit == "months":
        if count in (1, 3, 12):
            return {1: "monthly", 3: "quarterly", 12: "yearly"}[count]
        return plural(count // 12, "year") if count % 12 == 0 else plural(count, "month")
    if unit == "business_days":
        return "business daily" if count == 1 else plural(count, "business day")
    if count == SECONDS_PER_WEEK:
        return "weekly"
    if count % SECONDS_PER_WEEK == 0:
        return plural(count // SECONDS_PER_WEEK, "week")
    if count == SECONDS_PER_DAY:
        return "daily"
    if count % SECONDS_PER_DAY == 0:
        return plural(count // SECONDS_PER_DAY, "day")
    if count == 3600:
        return "hourly"
    if count % 3600 == 0:
        return plural(count // 3600, "hour")
    if count == 60:
        return "every minute"
    if count % 60 == 0:
        return plural(count // 60, "minute")
    return "every second" if count == 1 else plural(count, "second")


def seasonal_period(unit, count):
    return {("seconds", 3600): 24, ("seconds", SECONDS_PER_DAY): 7, ("seconds", SECONDS_PER_WEEK): 52,
            ("months", 1): 12, ("months", 3): 4, ("business_days", 1): 5}.get((unit, count), 1)


# The frequency units of a checkpoint's columns.frequency.unit (kFrequencyUnits in src/checkpoint.cpp).
FREQUENCY_UNITS = ("none", "periods", "seconds", "months", "business_days")
# The largest frequency.count a checkpoint holds (a C++ long).
MAX_FREQUENCY_COUNT = 2 ** 63 - 1

FREQUENCY_ALIASES = {
    "none": ("none", 0), "hourly": ("seconds", 3600), "daily": ("seconds", SECONDS_PER_DAY),
    "weekly": ("seconds", SECONDS_PER_WEEK), "monthly": ("months", 1), "quarterly": ("months", 3),
    "yearly": ("months", 12), "business-daily": ("business_days", 1),
}


def parse_frequency(text):
    if text in FREQUENCY_ALIASES:
        return FREQUENCY_ALIASES[text]
    unit, _, count = text.partition(":")
    if unit in FREQUENCY_UNITS[1:] and count.isdigit() and 1 <= int(count) <= MAX_FREQUENCY_COUNT:
        return unit, int(count)
    raise Failure("--frequency expects hourly, daily, business-daily, weekly, monthly, quarterly, yearly, none or "
                  "UNIT:COUNT (UNIT periods, seconds, months or business_days; e.g. seconds:900), got '%s'" % text)


# ---- the data tail --------------------------------------------------------------------------

def detect_delimiter(header):
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for c in header:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in counts:
            counts[c] += 1
    if counts["\t"] > counts[","] and counts["\t"] > counts[";"]:
        return "\t"
    return ";" if counts[";"] > counts[","] else ","


def read_history(path, delimiter, columns, time_column, look_back):
    """The CSV's last look_back rows of `columns` (floats), and every row's (line, time text) when
    there is a time column (else None). The dialect is lstm-forecast's (src/csv.cpp): header row,
    delimiter ',', ';' or tab ("auto": the most frequent in the header), fields trimmed."""
    try:
        with open(path, newline="", encoding="utf-8-sig") if path != "-" else sys.stdin as f:
            text = f.read()
    except OSError as e:
        raise Failure("%s: cannot read the history: %s" % (path, e.strerror), 3)
    except UnicodeDecodeError:
        raise Failure("%s: not UTF-8 text" % path)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise Failure("%s: no header row" % path)
    if delimiter == "auto":
        delimiter = detect_delimiter(lines[first])
    records = []
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        for record in reader:
            if record and any(field.strip() for field in record):
                records.append((reader.line_num, [field.strip() for field in record]))
    except csv.Error as e:
        raise Failure("%s: %s" % (path, e))
    _, header = records[0]
    wanted = list(columns) + ([time_column] if time_column else [])
    index = {}
    for name in wanted:
        if name not in header:
            raise Failure("%s: no column '%s' in the header (columns: %s)" % (path, name, ", ".join(header)))
        if header.count(name) > 1:
            raise Failure("%s: column '%s' appears %d times in the header" % (path, name, header.count(name)))
        index[name] = header.index(name)
    rows = records[1:]
    for line, record in rows:
        if len(record) != len(header):
            raise Failure("%s:%d: %d fields, the header has %d" % (path, line, len(record), len(header)))
    if len(rows) < look_back:
        raise Failure("%s: %d data rows, fewer than look_back = %d" % (path, len(rows), look_back))
    values = []
    for line, record in rows[len(rows) - look_back:]:
        row = []
        for name in columns:
            field = record[index[name]]
            if field in MISSING_MARKERS:
                raise Failure("%s:%d: missing value in column '%s' (the tail must be complete)" % (path, line, name))
            try:
                # Python's float() takes 1_000 and other scripts' digits; lstm-forecast does not
                if "_" in field or not field.isascii():
                    raise ValueError(field)
                value = float(field)
            except ValueError:
                raise Failure("%s:%d: expected a number in column '%s', found '%s'" % (path, line, name, field))
            if not math.isfinite(value):
                raise Failure("%s:%d: column '%s' holds %s; the tail must be finite" % (path, line, name, field))
            if not abs(value) <= 1e100:  # as lstm-forecast reads a CSV (and the --tail-json path)
                raise Failure("%s:%d: column '%s' holds %s, beyond +-1e100" % (path, line, name, field))
            row.append(value)
        values.append(row)
    times = [(line, record[index[time_column]]) for line, record in rows] if time_column else None
    return values, times


def parse_times(times, source):
    """Every row's tick, with the one format they share; rows as (line or index, text)."""
    ticks, fmt = [], None
    for where, text in times:
        parsed = parse_time(text)
        if parsed is None:
            raise Failure("%s:%s: '%s' is not a timestamp (forms: 2024-01-31, 2024-01-31 13:00, "
                          "2024-01-31T13:00:00Z, 2024-01-31 13:00:00+01:00, 1949-01, 1949, integer periods)"
                          % (source, where, text))
        tick, this = parsed
        # Four digits read as a year; among integer periods (999, 1000) they are periods.
        if fmt is not None and fmt["kind"] == "integer" and this["kind"] == "year":
            tick, this = int(text), dict(this, kind="integer")
        elif fmt is not None and fmt["kind"] == "year" and this["kind"] == "integer":
            ticks = [split_tick(t)[0] for t in ticks]
            fmt = dict(fmt, kind="integer")
        if fmt is None:
            fmt = this
        elif this["kind"] != fmt["kind"]:
            raise Failure("%s:%s: '%s' is a %s, earlier timestamps are %ss" % (source, where, text, this["kind"], fmt["kind"]))
        elif this.get("utc_offset_minutes") != fmt.get("utc_offset_minutes"):  # +01:00 and +0100 are one
            raise Failure("%s:%s: '%s' has another UTC offset than the earlier timestamps; the column must keep one "
                          "offset (convert it to UTC)" % (source, where, text))
        if ticks and tick <= ticks[-1]:
            raise Failure("%s:%s: timestamps must increase, '%s' does not" % (source, where, text))
        ticks.append(tick)
    return ticks, fmt


def read_tail_json(path, width, look_back):
    data = read_json(path, "the data tail")
    if isinstance(data, dict) and isinstance(data.get("data_tail"), dict):
        data = data["data_tail"]
    return check_tail(data, path, width, look_back)


def check_tail(data, path, width, look_back):
    """A data tail's rows (the last look_back, or all with look_back None), times, frequency and
    seasonal period; Failure naming `path` where lstm-forecast would refuse them."""
    if not isinstance(data, dict) or not isinstance(data.get("values"), list):
        raise Failure("%s: expected {\"values\": [[...]], \"time\": [...]} (time only with a time column)" % path)
    values = data["values"]
    if look_back is None:
        look_back = len(values)
    if len(values) < look_back:
        raise Failure("%s: values has %d rows, fewer than look_back = %d" % (path, len(values), look_back))
    for r, row in enumerate(values):
        if not isinstance(row, list) or len(row) != width:
            raise Failure("%s: values[%d]: expected %d numbers (targets then features)" % (path, r, width))
        for c, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not abs(v) <= 1e100:
                raise Failure("%s: values[%d][%d] must be a finite number within +-1e100 (as a CSV value), got %s"
                              % (path, r, c, json.dumps(v)))
    times = data.get("time")
    if times is not None:
        if not isinstance(times, list) or len(times) != len(values) or not all(isinstance(t, str) for t in times):
            raise Failure("%s: time must hold one timestamp string per row of values" % path)
        times = [("time[%d]" % i, t) for i, t in enumerate(times)]
    # What from-checkpoint adds to the data tail, so that a round trip keeps the columns section.
    frequency, season = data.get("frequency"), data.get("seasonal_period")
    if frequency is not None:
        if not isinstance(frequency, dict) or frequency.get("unit") not in FREQUENCY_UNITS \
                or isinstance(frequency.get("count"), bool) or not isinstance(frequency.get("count"), int) \
                or not (0 if frequency["unit"] == "none" else 1) <= frequency["count"] <= MAX_FREQUENCY_COUNT:
            raise Failure("%s: frequency must be {\"unit\": %s, \"count\": N} with N from 1 to %d, got %s"
                          % (path, "|".join(FREQUENCY_UNITS), MAX_FREQUENCY_COUNT, json.dumps(frequency)))
        month_day = frequency.get("month_day")  # written by from-checkpoint: month ends stay month ends
        if month_day is not None and (isinstance(month_day, bool) or not isinstance(month_day, int) or not 0 <= month_day <= 31):
            raise Failure("%s: frequency.month_day must be an integer from 0 to 31, got %s" % (path, json.dumps(month_day)))
        frequency = (frequency["unit"], frequency["count"], month_day)
    if season is not None and (isinstance(season, bool) or not isinstance(season, int) or not 1 <= season <= 1000000):
        raise Failure("%s: seasonal_period must be an integer from 1 to 1000000, got %s" % (path, json.dumps(season)))
    return [[float(v) for v in row] for row in values[len(values) - look_back:]], times, frequency, season


# ---- the scaler and the config --------------------------------------------------------------

def read_scaler(path, columns):
    data = read_json(path, "the scaler")
    if isinstance(data, dict) and isinstance(data.get("scaler"), dict) and "feature_range" not in data:
        data = data["scaler"]
    return check_scaler(data, path, columns)


def check_scaler(data, path, columns):
    """The scaler as lstm-forecast checks it (src/scaler.cpp); Failure naming `path` otherwise."""

    def numbers(key):
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
            raise Failure("%s: %s must be an array of finite numbers" % (path, key))
        return [float(v) for v in value]

    feature_range, data_min, data_max = numbers("feature_range"), numbers("data_min"), numbers("data_max")
    # The bounds lstm-forecast checks when it loads a checkpoint (src/scaler.cpp).
    if (len(feature_range) != 2 or not all(abs(v) <= 1e6 for v in feature_range)
            or not feature_range[1] - feature_range[0] >= 1e-3
            or not feature_range[1] - feature_range[0] >= 1e-3 * max(abs(v) for v in feature_range)):
        raise Failure("%s: feature_range must be [lo, hi] within -1e6 .. 1e6 with hi at least 0.001 above lo, "
                      "and by a thousandth of the larger bound's magnitude, got %r"
                      % (path, feature_range))
    for key, value in (("data_min", data_min), ("data_max", data_max)):
        if len(value) != len(columns):
            raise Failure("%s: %s has %d values, one per column is needed (%s)"
                          % (path, key, len(value), ", ".join(columns)))
        if not all(abs(v) <= 1e100 for v in value):
            raise Failure("%s: %s must hold numbers within +-1e100 (the values of a CSV series)" % (path, key))
    for i, (lo, hi) in enumerate(zip(data_min, data_max)):
        if lo > hi:
            raise Failure("%s: data_min[%d] = %r exceeds data_max[%d] = %r" % (path, i, lo, i, hi))
    if isinstance(data, dict) and "columns" in data and data["columns"] != list(columns):
        raise Failure("%s: the scaler is for columns %s, not %s" % (path, data["columns"], list(columns)))
    return {"feature_range": feature_range, "data_min": data_min, "data_max": data_max}


def check_config_value(path, value, default):
    """The value as the checkpoint holds it (ints of float keys become floats); Failure if its type
    is wrong. Ranges and cross-key rules are left to lstm-forecast, which checks them on load."""
    def bad(expected):
        raise Failure("config: %s must be %s, got %s" % (path, expected, json.dumps(value)))
    if path in LIST_OF:
        element = LIST_OF[path]
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, element) and not isinstance(v, bool) for v in items):
            bad("a list of %s" % ("strings" if element is str else "integers"))
        return list(items)
    if path in ("data.look_back", "model.ensemble", "training.epochs"):  # "auto": chosen from the data
        if value != "auto" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            bad('an integer >= 1 or "auto"')
        return value
    if path in ("training.refit", "training.combine"):  # "auto": the recipe decides
        if value != "auto" and not isinstance(value, bool):
            bad('true, false or "auto"')
        return value
    if path in CHOICES:
        if value not in CHOICES[path]:
            bad("one of " + "|".join(CHOICES[path]))
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            bad("true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or (path == "training.seed" and value < 0):
            bad("a non-negative integer" if path == "training.seed" else "an integer")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            bad("a finite number")
        return float(value)
    if not isinstance(value, str):
        bad("a string")
    return value


def merge_config(config, overrides, source):
    if not isinstance(overrides, dict):
        raise Failure("%s: expected a JSON object with sections data, model, training, output" % source)
    if isinstance(overrides.get("config"), dict) and "data" not in overrides:
        overrides = overrides["config"]  # a whole checkpoint
    for section, body in overrides.items():
        if section not in config:
            raise Failure("%s: unknown key '%s' (sections: data, model, training, output)" % (source, section))
        if not isinstance(body, dict):
            raise Failure("%s: %s must be an object" % (source, section))
        for key, value in body.items():
            if key not in config[section]:
                raise Failure("%s: unknown key '%s.%s'" % (source, section, key))
            config[section][key] = check_config_value(section + "." + key, value, DEFAULT_CONFIG[section][key])
    return config


def split_names(text):
    return [name.strip() for name in text.split(",")] if text else []


# ---- subcommands ----------------------------------------------------------------------------

def to_checkpoint(args):
    config = copy.deepcopy(DEFAULT_CONFIG)
    in_file = set()  # "section.key" the --config file sets
    if args.config:
        overrides = read_json(args.config, "the config")
        merge_config(config, overrides, args.config)
        if isinstance(overrides.get("config"), dict) and "data" not in overrides:
            overrides = overrides["config"]
        in_file = {section + "." + key for section, body in overrides.items() for key in body}

    def setting(flag_value, path):
        """The flag's value, else the --config file's (None when neither sets it); the two must agree."""
        section, key = path.split(".")
        if flag_value is not None and path in in_file and config[section][key] != flag_value:
            raise Failure("%s says %s = %s, the command line %s" % (args.config, path, json.dumps(config[section][key]),
                                                                      json.dumps(flag_value)))
        if flag_value is not None:
            return flag_value
        return config[section][key] if path in in_file else None

    targets = setting(split_names(args.targets) if args.targets is not None else None, "data.targets") or []
    features = setting(split_names(args.features) if args.features is not None else None, "data.features") or []
    time_column = setting(args.time_column, "data.time_column") or ""
    columns = targets + features
    if not targets:
        raise Failure("--targets is required (the columns the model forecasts, in the order of its outputs)")
    for name in columns + ([time_column] if time_column else []):
        if not name:
            raise Failure("column names must not be empty")
        if (columns + [time_column]).count(name) > 1:
            raise Failure("column '%s' is named twice (targets, features and the time column must differ)" % name)
    look_back = setting(args.look_back, "data.look_back")
    if look_back is None or look_back == "auto":
        raise Failure("--look-back is required (the input steps the model was trained on)")
    horizon_given = setting(args.horizon, "data.horizon")
    for flag, value in (("--look-back", look_back), ("--horizon", horizon_given)):
        if value is not None and not 1 <= value <= MAX_STEPS:
            raise Failure("%s must be in [1, %d], got %d" % (flag, MAX_STEPS, value))

    state = read_state_dict(args.state_dict)
    hidden, horizon, tensors = model_from_state_dict(state, args.lstm_name, args.head_name, len(columns),
                                                     len(targets), horizon_given, args.state_dict)
    if "model.hidden" in in_file and config["model"]["hidden"] != hidden:
        raise Failure("%s says model.hidden = %s, the state_dict has %s" % (args.config, config["model"]["hidden"], hidden))

    if args.identity_scaler:
        scaler = {"feature_range": [0.0, 1.0], "data_min": [0.0] * len(columns), "data_max": [1.0] * len(columns)}
    else:
        scaler = read_scaler(args.scaler_json, columns)
    lo, hi = scaler["feature_range"]
    for key, value in (("scale_min", lo), ("scale_max", hi)):
        if "data." + key in in_file and config["data"][key] != value:
            raise Failure("%s says data.%s = %r, the scaler's feature_range %r" % (args.config, key, config["data"][key], value))

    if args.history:
        values, times = read_history(args.history, config["data"]["delimiter"], columns, time_column, look_back)
        source, frequency, season = args.history, None, None
    else:
        values, times, frequency, season = read_tail_json(args.tail_json, len(columns), look_back)
        source = args.tail_json
        if times is not None and not time_column:
            raise Failure("%s has times; name the time column with --time-column" % source)
        if times is None and time_column:
            raise Failure("%s has no \"time\" for the time column '%s'" % (source, time_column))
    fmt = {"kind": "none", "t_separator": False, "seconds": False, "zulu": False}
    unit, count = "none", 0
    tail_times = None
    if time_column:
        ticks, fmt = parse_times(times, source)
        if args.frequency:
            unit, count = parse_frequency(args.frequency)
        else:
            unit, count = frequency[:2] if frequency else infer_frequency(ticks, fmt)
        allowed = {"integer": ("periods",), "year": ("months",), "year_month": ("months",), "year_quarter": ("months",),
                   "date": ("seconds", "months", "business_days"),
                   "datetime": ("seconds", "months", "business_days")}[fmt["kind"]]
        if unit not in allowed or count < 1:
            raise Failure("a frequency in %s does not fit %s timestamps (use %s)" % (unit, fmt["kind"], " or ".join(allowed)))
        if fmt["kind"] == "year_quarter" and count % 3 != 0:
            raise Failure("quarter labels need a frequency of whole quarters, got %s" % frequency_name(unit, count))
        kept = ticks[len(ticks) - look_back:]
        # The tail is regular (lstm-forecast refuses a checkpoint whose tail times are not one step
        # apart: its forecast's times would be wrong).
        for i in range(1, len(kept)):
            a, b = kept[i - 1], kept[i]
            if unit == "months":
                (ya, ma), (yb, mb) = split_tick(a)[:2], split_tick(b)[:2]
                steps = (yb * 12 + mb) - (ya * 12 + ma)
            elif unit == "business_days":
                steps = business_day_number(b // SECONDS_PER_DAY) - business_day_number(a // SECONDS_PER_DAY)
            else:
                steps = b - a
            if steps != count:
                raise Failure("%s: the last %d times (the look-back) must be one step apart (%s): '%s' follows '%s'"
                              % (source, look_back, frequency_name(unit, count), format_tick(b, fmt), format_tick(a, fmt)))
        tail_times = [format_tick(t, fmt) for t in kept]
    elif args.frequency:
        raise Failure("--frequency needs a time column (--time-column)")
    if args.seasonal_period is not None:
        season = args.seasonal_period
    elif season is None:
        season = seasonal_period(unit, count)
    if not 1 <= season <= 1000000:
        raise Failure("--seasonal-period must be in [1, 1000000], got %d" % season)

    # Month steps keep the day of month (src/time_index.cpp): 1 for years and year-months, else the
    # largest day seen, so a month-end series (31 Jan, 29 Feb, 31 Mar) stays on month ends.
    month_day = 0
    if unit == "months" and tail_times is not None:
        month_day = 1 if fmt["kind"] in ("year", "year_month", "year_quarter") else max(split_tick(t)[2] for t in ticks)
        if frequency and frequency[2] is not None and not args.frequency:  # the exported checkpoint's own
            month_day = frequency[2]
    data = config["data"]
    data.update(targets=targets, features=features, time_column=time_column or "", look_back=look_back,
                horizon=horizon, scale_min=lo, scale_max=hi)
    if args.history and "data.path" not in in_file:
        data["path"] = args.history
    config["model"]["hidden"] = hidden
    config["model"]["cell_activation"] = setting(args.cell_activation, "model.cell_activation") or "tanh"
    # A PyTorch model here is one network on min-max scaled windows; version 2 checkpoints hold
    # resolved settings, so the keys "chosen from the data" are written as what they are.
    if data["normalise"] not in ("auto", "minmax"):
        raise Failure("data.normalise must be minmax for a PyTorch state_dict (the window normalisations of "
                      "lstm-forecast's default recipe are not part of a plain nn.LSTM), got '%s'" % data["normalise"])
    if data["seasonal_adjust"] not in ("auto", "none"):
        raise Failure("data.seasonal_adjust must be none for a PyTorch state_dict (seasonal indices are not part "
                      "of a plain nn.LSTM), got '%s'" % data["seasonal_adjust"])
    # What a config file sets that one plain nn.LSTM cannot carry is refused, not overwritten.
    for path, allowed, why in (("model.ensemble", (1, "auto"), "one PyTorch state_dict holds one model"),
                               ("training.combine", (False, "auto"), "a forecast combination needs validation errors")):
        section, key = path.split(".")
        value = config[section][key]
        if path in in_file and (isinstance(value, bool) != isinstance(allowed[0], bool) or value not in allowed):
            raise Failure("config: %s must be %s for a PyTorch state_dict (%s), got %s"
                          % (path, json.dumps(allowed[0]), why, json.dumps(value)))
    if "data.season" in in_file and data["season"] not in (0, season):
        raise Failure("config: data.season is %d, but the seasonal period is %d (give --seasonal-period %d, or leave "
                      "data.season 0)" % (data["season"], season, data["season"]))
    if data["series_column"]:
        raise Failure("config: data.series_column is set, but a PyTorch state_dict here is the model of one series "
                      "(to-checkpoint makes single-series checkpoints)")
    data.update(normalise="minmax", season=season, seasonal_adjust="none")
    config["model"]["ensemble"] = 1
    config["training"]["combine"] = False  # a forecast combination needs validation errors
    # training.refit says how the weights were trained, not what they are: true (from-checkpoint's
    # config of a refitted model: trained again on every row) is kept; "auto" is false.
    if not isinstance(config["training"]["refit"], bool):
        config["training"]["refit"] = False
    epochs = config["training"]["epochs"]
    config["training"]["epochs"] = epochs if isinstance(epochs, int) else 1

    tail = {"values": values}
    if tail_times is not None:
        tail["time"] = tail_times
    checkpoint = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "tool_version": TOOL_VERSION,
        "config": config,
        "columns": {
            "time_column": time_column or "", "targets": targets, "features": features, "time_format": fmt,
            "frequency": {"unit": unit, "count": count, "name": frequency_name(unit, count), "month_day": month_day},
            "seasonal_period": season,
        },
        "scaler": scaler,
        "state_dict": state_dict_json(tensors),
        "optimizer_state": None,
        "history": {"best_epoch": 0, "epochs": []},
        "data_tail": tail,
        "ensemble": {"members": 1, "more_state_dicts": []},
    }
    write_text(args.output, dump_json(checkpoint) + "\n")
    return 0


def write_npz(path, arrays):
    """np.savez, but deterministic: entries in name order, each with a fixed date."""
    np = numpy()

    def write(out):
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name in sorted(arrays):
                info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                with archive.open(info, "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, np.ascontiguousarray(arrays[name]), allow_pickle=False)
    write_atomically(path, write)


def from_checkpoint(args):
    np = numpy()
    ckpt = read_json(args.model, "the checkpoint")
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise Failure("%s: not an lstm-forecast checkpoint: \"format\" must be \"%s\"" % (args.model, FORMAT))
    version = ckpt.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise Failure("%s: version must be an integer >= 1, got %s" % (args.model, json.dumps(version)))
    # A many-series checkpoint (a 'series' section; its own versions, 2 and 3) holds a model per series.
    if "series" in ckpt and "scaler" not in ckpt:
        raise Failure("%s: a many-series checkpoint (trained with --series-column); this tool converts "
                      "single-series ones" % args.model)
    if version > FORMAT_VERSION and version <= PANEL_FORMAT_VERSION:
        raise Failure("%s: checkpoint format version %d does not fit this file: a single-series checkpoint (no "
                      "'series' section) has version 1 or %d; version %d is a many-series one's"
                      % (args.model, version, FORMAT_VERSION, version))
    if version > FORMAT_VERSION:
        raise Failure("%s: checkpoint format version %d is newer than this tool reads (version %d); upgrade "
                      "lstm-forecast and tools/torch_interop.py" % (args.model, version, FORMAT_VERSION))
    for key in ("config", "columns", "scaler", "state_dict", "data_tail"):
        if not isinstance(ckpt.get(key), dict):
            raise Failure("%s: %s is missing or not an object" % (args.model, key))
    config, columns = ckpt["config"], ckpt["columns"]
    ensemble = ckpt.get("ensemble", {"members": 1})
    members = ensemble.get("members", 1) if isinstance(ensemble, dict) else None
    if isinstance(members, bool) or not isinstance(members, int) or members < 1:
        raise Failure("%s: ensemble must be {\"members\": N} with N an integer >= 1, got %s"
                      % (args.model, json.dumps(ensemble)))
    if members != 1:
        raise Failure("%s: the checkpoint holds an ensemble of %s models (model.ensemble); one PyTorch state_dict "
                      "holds one model: train with --ensemble 1 to export it" % (args.model, members))
    normalise = config.get("data", {}).get("normalise", "minmax") if isinstance(config.get("data"), dict) else "minmax"
    if normalise != "minmax":
        raise Failure("%s: the model was trained on windows normalised by '%s' (data.normalise), which a plain "
                      "nn.LSTM on min-max scaled inputs does not reproduce: train with --normalise minmax to export it"
                      % (args.model, normalise))
    if ckpt.get("seasonal_adjustment"):
        raise Failure("%s: the model was trained on seasonally adjusted targets (data.seasonal_adjust), which a plain "
                      "nn.LSTM does not reproduce: train with --seasonal-adjust none to export it" % args.model)
    if ckpt.get("combination"):
        raise Failure("%s: the forecast combines the model with seasonal naive, naive and Theta forecasts (training.combine), "
                      "which a PyTorch state_dict does not hold: train with --combine false to export it" % args.model)
    try:
        names = list(columns["targets"]) + list(columns["features"])
        hidden = list(config["model"]["hidden"])
        horizon = config["data"]["horizon"]
    except (KeyError, TypeError):
        raise Failure("%s: columns.targets, columns.features, config.model.hidden and config.data.horizon are needed"
                      % args.model)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= MAX_STEPS:
        raise Failure("%s: config.data.horizon must be an integer from 1 to %d, got %s"
                      % (args.model, MAX_STEPS, json.dumps(horizon)))
    time_column = columns.get("time_column")
    frequency = columns.get("frequency")
    if time_column and (not isinstance(frequency, dict) or frequency.get("unit") not in FREQUENCY_UNITS
                        or isinstance(frequency.get("count"), bool) or not isinstance(frequency.get("count"), int)
                        or frequency["count"] < 1):
        raise Failure("%s: columns.frequency must be {\"unit\": %s, \"count\": N >= 1} with a time column, got %s"
                      % (args.model, "|".join(FREQUENCY_UNITS), json.dumps(frequency)))
    state = {name: float_array(value, "%s: state_dict.%s" % (args.model, name))
             for name, value in ckpt["state_dict"].items()}
    # What the exported files carry besides the weights, checked as to-checkpoint reads them back.
    check_scaler(ckpt["scaler"], args.model + ": scaler", names)
    check_tail(ckpt["data_tail"], args.model + ": data_tail", len(names), None)
    found, _, tensors = model_from_state_dict(state, "lstm", "head", len(names), len(columns["targets"]), horizon,
                                              args.model + ": state_dict")
    if found != hidden:
        raise Failure("%s: config.model.hidden is %s, the state_dict has %s" % (args.model, hidden, found))

    dtype = np.float32 if args.dtype == "float32" else np.float64
    out = {}
    for name, array in tensors.items():
        torch_name = name.replace("lstm.", args.lstm_name + ".", 1) if name.startswith("lstm.") \
            else name.replace("head.", args.head_name + ".", 1)
        out[torch_name] = array.astype(dtype)
    path = args.state_dict
    if not path.lower().endswith((".npz", ".pt", ".pth", ".json")):
        raise Failure("--state-dict must end in .npz, .pt, .pth or .json, got '%s'" % path)
    # Every output's folder before any is written: a failure leaves none of them half done.
    for output in (path, args.scaler_json, args.config_json, args.tail_json):
        if output and output != "-":
            folder = os.path.dirname(os.path.abspath(output))
            if not os.path.isdir(folder):
                raise Failure("%s: cannot write: No such file or directory (its folder)" % output, 3)
            if not os.access(folder, os.W_OK):
                raise Failure("%s: cannot write: Permission denied (its folder)" % output, 3)
    if path.lower().endswith((".pt", ".pth")):
        torch = import_torch("writing " + path)
        write_atomically(path, lambda f: torch.save({k: torch.from_numpy(v) for k, v in out.items()}, f))
    elif path.lower().endswith(".json"):
        write_text(path, dump_json({k: [float(x) for x in v.ravel()] if v.ndim == 1 else
                                    [[float(x) for x in row] for row in v] for k, v in out.items()}) + "\n")
    elif path.lower().endswith(".npz"):
        write_npz(path, out)
    else:
        raise Failure("--state-dict must end in .npz, .pt, .pth or .json, got '%s'" % path)

    if args.scaler_json:
        scaler = dict(ckpt["scaler"])
        scaler["columns"] = names
        write_text(args.scaler_json, dump_json(scaler) + "\n")
    if args.config_json:
        write_text(args.config_json, dump_json(config) + "\n")
    if args.tail_json:
        tail = dict(ckpt["data_tail"])
        if time_column:
            tail["frequency"] = {"unit": frequency["unit"], "count": frequency["count"]}
            if isinstance(frequency.get("month_day"), int) and not isinstance(frequency.get("month_day"), bool):
                tail["frequency"]["month_day"] = frequency["month_day"]
        tail["seasonal_period"] = columns.get("seasonal_period", 1)
        write_text(args.tail_json, dump_json(tail) + "\n")
    forecast_horizon = ckpt.get("forecast_horizon")
    if isinstance(forecast_horizon, int) and not isinstance(forecast_horizon, bool) and forecast_horizon > horizon:
        print("%s: note: the checkpoint forecasts %d steps by default (forecast_horizon: the horizon train was asked "
              "for, %d trained), which the exported files do not carry: a checkpoint made from them by "
              "to-checkpoint forecasts %d unless predict is given --horizon %d"
              % (PROG, forecast_horizon, horizon, horizon, forecast_horizon), file=sys.stderr)
    if config["model"].get("cell_activation") == "relu":
        print("%s: note: the cells use relu, which torch.nn.LSTM cannot (it is tanh only)" % PROG, file=sys.stderr)
    if len(set(hidden)) > 1:
        print("%s: note: the layers have different hidden sizes %s, which one torch.nn.LSTM cannot hold; "
              "use one nn.LSTM per layer (docs/checkpoint.md)" % (PROG, hidden), file=sys.stderr)
    return 0


def default_config(_args):
    sys.stdout.write(dump_json({"format": FORMAT, "version": FORMAT_VERSION, "tool_version": TOOL_VERSION,
                                "config": DEFAULT_CONFIG}) + "\n")
    return 0


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line."""

    def error(self, message):
        raise Failure("%s (see %s --help)" % (message, self.prog))


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expects an integer, got '%s'" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1, got %d" % value)
    return value


def build_parser():
    parser = Parser(prog=PROG, description=__doc__.split("\n\n")[0],
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    epilog="Run '%s COMMAND --help' for each command's options." % PROG)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    to = commands.add_parser(
        "to-checkpoint", help="PyTorch state_dict + scaler + columns + data tail -> checkpoint",
        description="Write an lstm-forecast checkpoint (version %d) from a state_dict of an nn.LSTM named "
                    "'lstm' and an nn.Linear named 'head' (batch_first inputs: targets then features; "
                    "outputs y[h * targets + k] = target k at step h + 1). Hidden sizes, layer count and "
                    "outputs come from the tensor shapes and are checked against the columns and horizon."
                    % FORMAT_VERSION)
    to.add_argument("--state-dict", required=True, metavar="FILE",
                    help=".npz (np.savez of the state_dict), .pt/.pth (torch.save; needs torch) or JSON "
                         "{name: nested arrays}, also an object holding one under \"state_dict\"")
    scaling = to.add_mutually_exclusive_group(required=True)
    scaling.add_argument("--scaler-json", metavar="FILE",
                         help="{\"feature_range\": [lo, hi], \"data_min\": [...], \"data_max\": [...]}, one "
                              "entry per column, targets then features")
    scaling.add_argument("--identity-scaler", action="store_true",
                         help="the model takes and gives values in original units (range [0, 1], min 0, max 1)")
    to.add_argument("--targets", metavar="COL[,COL]", help="columns the model forecasts, in output order")
    to.add_argument("--features", metavar="COL[,COL]", help="extra input columns, after the targets")
    to.add_argument("--look-back", type=positive_int, metavar="N", help="input steps per window (required)")
    to.add_argument("--horizon", type=positive_int, metavar="N",
                    help="steps forecast per window (default: head outputs / targets)")
    to.add_argument("--cell-activation", choices=["tanh", "relu"], help="cell activation (default tanh)")
    tail = to.add_mutually_exclusive_group(required=True)
    tail.add_argument("--history", metavar="CSV",
                      help="CSV with a header row; its last look-back rows become the data tail")
    tail.add_argument("--tail-json", metavar="FILE",
                      help="{\"values\": [[...]] (rows, targets then features), \"time\": [...]}")
    to.add_argument("--time-column", metavar="COL", help="column of timestamps in --history")
    to.add_argument("--frequency", metavar="F",
                    help="hourly, daily, business-daily, weekly, monthly, quarterly, yearly or UNIT:COUNT (default: inferred "
                         "from the timestamps, as lstm-forecast does)")
    to.add_argument("--seasonal-period", type=positive_int, metavar="N",
                    help="default: from the frequency (hourly 24, daily 7, business-daily 5, weekly 52, monthly 12, "
                         "quarterly 4)")
    to.add_argument("--config", metavar="FILE",
                    help="config JSON (sections data, model, training, output; any subset), e.g. the "
                         "training settings used in PyTorch; flags must agree with it")
    to.add_argument("--lstm-name", default="lstm", metavar="NAME", help="the nn.LSTM's name in the state_dict")
    to.add_argument("--head-name", default="head", metavar="NAME", help="the nn.Linear's name in the state_dict")
    to.add_argument("--output", "-o", required=True, metavar="FILE", help="checkpoint to write; - for stdout")
    to.set_defaults(run=to_checkpoint)

    back = commands.add_parser(
        "from-checkpoint", help="checkpoint -> state_dict (.npz/.pt/.json) + scaler, config, data tail",
        description="Write a checkpoint's parameters as a PyTorch state_dict (names and shapes of "
                    "nn.LSTM 'lstm' + nn.Linear 'head'), and optionally its scaler, config and data tail.")
    back.add_argument("--model", required=True, metavar="CKPT", help="lstm-forecast checkpoint")
    back.add_argument("--state-dict", required=True, metavar="FILE",
                      help="output: .npz, .pt/.pth (needs torch) or .json")
    back.add_argument("--scaler-json", metavar="FILE", help="output: the scaler, with its column names")
    back.add_argument("--config-json", metavar="FILE", help="output: the full config (for to-checkpoint --config)")
    back.add_argument("--tail-json", metavar="FILE",
                      help="output: the data tail, with the frequency and seasonal period (for to-checkpoint "
                           "--tail-json)")
    back.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                      help="tensor type written (default float64, exact; load_state_dict casts)")
    back.add_argument("--lstm-name", default="lstm", metavar="NAME", help="name to give the nn.LSTM")
    back.add_argument("--head-name", default="head", metavar="NAME", help="name to give the nn.Linear")
    back.set_defaults(run=from_checkpoint)

    defaults = commands.add_parser(
        "default-config", help="print the default config and the format version written",
        description="Print the default config this tool fills in (a copy of lstm-forecast's defaults), "
                    "with the checkpoint format and version it writes.")
    defaults.set_defaults(run=default_config)
    return parser


def main(argv):
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "run", None):
            raise Failure("no command given (see %s --help)" % PROG)
        return args.run(args)
    except Failure as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return e.code
    except MemoryError:
        print("%s: not enough memory" % PROG, file=sys.stderr)
        return 5
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
