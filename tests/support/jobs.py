"""Jobs for tests of the job runners themselves."""

import time
from pathlib import Path


def write_later(file: str, seconds: float) -> None:
    """A slow job whose result can be seen from another process: a file, after a while."""
    time.sleep(seconds)
    Path(file).write_text("done")
