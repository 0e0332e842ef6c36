"""Benchmark results the book quotes: ``benchmarks/results/<name>.json``, written by the
benchmarks with ``--record`` and committed, so that every measured number on the instructors'
page comes from a run of the code (with the machine, the load and the date it ran on).
"""

import datetime
import json
import os
import platform
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "results"


def machine():
    """The machine a benchmark ran on: cores, CPU model, load average, date."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.date.today().isoformat(),
    }


def record(name, data):
    """Write ``data`` (and the machine) to ``results/<name>.json``; return the path."""
    FOLDER.mkdir(exist_ok=True)
    path = FOLDER / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=1, sort_keys=True) + "\n")
    return path


def load(name):
    """The recorded results ``name`` (as written by ``record``)."""
    return json.loads((FOLDER / f"{name}.json").read_text())
