"""Starting the app loads none of the heavy libraries a feature may never need: each is imported on first use."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("matplotlib", "scipy", "sklearn", "numpy", "stripe")


def test_importing_the_app_and_the_cli_loads_no_heavy_library():
    code = (
        f"import json, sys; import bot.app, bot.cli.main; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(run.stdout) == []
