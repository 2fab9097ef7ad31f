"""gunicorn config for `bench/load.py --profile DIR`: each (sync) worker runs under cProfile.

CPU time (time.process_time), so a worker waiting for a request or for the database costs nothing;
the profile is written to DIR/worker-PID.prof when the worker exits.
"""

from __future__ import annotations

import cProfile
import os
import time
from typing import Any

_profiles: dict[int, cProfile.Profile] = {}


def post_fork(server: Any, worker: Any) -> None:
    profile = cProfile.Profile(time.process_time)
    _profiles[os.getpid()] = profile
    profile.enable()


def worker_exit(server: Any, worker: Any) -> None:
    profile = _profiles.pop(os.getpid(), None)
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.path.join(os.environ["LOAD_PROFILE_DIR"], f"worker-{os.getpid()}.prof"))
