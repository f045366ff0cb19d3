"""A long run of the journey-paths state machine (tests/test_journey_paths.py), or with
``--machine replies`` of the receipt pages' one (tests/test_replies_paths.py).

Run from the repository root (see benchmarks/README.md)::

    .venv/bin/python benchmarks/fuzz_journey.py                       # ~5 runs of 200 examples
    .venv/bin/python benchmarks/fuzz_journey.py --runs 20 --steps 80 --seed 7
    .venv/bin/python benchmarks/fuzz_journey.py --machine replies --runs 3

Each run gets a fresh SQLite database in a temp dir (migrated, with a review team key) and
its own seed; hypothesis keeps no example database. A run stops at its first failure and
shrinks it (unless --no-shrink), so each failing run reports one failure with the shortest
sequence of steps hypothesis found. Failures with the same message count once.

The last line is always ``steps run: N, failures found: M``; the exit status is 1 if M > 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, seed, settings  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402

from reporting import create_app, keys, migrate  # noqa: E402
from reporting.db import database  # noqa: E402
from tests import test_journey_paths, test_replies_paths  # noqa: E402
from tests.conftest import base_config  # noqa: E402
from tests.helpers import TeamKeys  # noqa: E402

Factory = test_journey_paths.Factory | test_replies_paths.Factory


def build_app(directory: Path, machine: str = "journey") -> Factory:
    config = base_config(directory)
    unlimited = "1000000 per minute"
    names = (
        "POST",
        "POST_NETWORK",
        "SUBMIT",
        "SUBMIT_NETWORK",
        "RECEIPT_NETWORK",
        "RECEIPT_GLOBAL",
    )
    config.update({f"RATELIMIT_{name}": unlimited for name in names})
    app = create_app(config)
    migrate.upgrade(database(app).engine)
    with database(app).session() as db:
        team = keys.create_team(db, slug="review", name="Review team", today=dt.date.today())
        db.commit()
    if machine == "replies":  # three reports sent, then every example starts from them
        team_keys = TeamKeys({team.team_key.key_id: team.private_key})
        return test_replies_paths.Factory(app, team_keys).send_reports()
    return test_journey_paths.Factory(app)


def one_run(run_seed: int, args: argparse.Namespace) -> tuple[int, str | None]:
    """Steps run and the failure (message and steps), if any."""
    directory = Path(tempfile.mkdtemp(prefix="fuzz-journey-"))
    try:
        factory = build_app(directory, args.machine)
        phases = [Phase.generate] + ([Phase.shrink] if args.shrink else [])
        run_settings = settings(
            max_examples=args.examples,
            stateful_step_count=args.steps,
            deadline=None,
            database=None,
            phases=phases,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
        )
        try:
            run_state_machine_as_test(seed(run_seed)(factory), settings=run_settings)
        except Exception as error:  # an invariant, or the machine itself
            notes = "\n".join(getattr(error, "__notes__", []))
            steps = "\n".join(line for line in notes.splitlines() if "tally_steps" not in line)
            message = str(error) if isinstance(error, AssertionError) else repr(error)
            return factory.stats.get("steps", 0), f"{message}\n{steps}"
        finally:
            database(factory.app).engine.dispose()
        return factory.stats.get("steps", 0), None
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--machine", choices=["journey", "replies"], default="journey")
    parser.add_argument("--runs", type=int, default=5, help="runs, each on a fresh database")
    parser.add_argument("--examples", type=int, default=200, help="examples per run")
    parser.add_argument("--steps", type=int, default=50, help="most steps per example")
    parser.add_argument("--seed", type=int, default=None, help="seed of the first run")
    parser.add_argument("--no-shrink", dest="shrink", action="store_false")
    parser.add_argument("--verbose", action="store_true", help="show the app's error logs")
    args = parser.parse_args()
    if not args.verbose:
        logging.disable(logging.CRITICAL)  # a 500's traceback is reported as a failure
    first_seed = args.seed if args.seed is not None else random.randrange(2**32)
    total_steps, failures = 0, {}
    for run in range(args.runs):
        run_seed = first_seed + run
        started = time.monotonic()
        steps, failure = one_run(run_seed, args)
        total_steps += steps
        outcome = "ok" if failure is None else "FAILED"
        print(f"run {run + 1}/{args.runs} seed {run_seed}: {steps} steps, "
              f"{time.monotonic() - started:.0f} s, {outcome}", flush=True)  # fmt: skip
        if failure is not None:
            key = re.sub(r"[0-9a-f]{32}", "<id>", failure.splitlines()[0])
            if key not in failures:
                failures[key] = failure
                print(f"  {failure}".replace("\n", "\n  "), flush=True)
            else:
                print(f"  (again) {key}", flush=True)
    print(f"steps run: {total_steps}, failures found: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
