"""The machine a benchmark ran on, for its JSON line (scripts here import it as a sibling module)."""

import os
import platform
import subprocess


def cpu_model() -> str:
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name")), "unknown")


def machine() -> dict:
    return {"cpus": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version()}
