"""Instructions per registration on the web side, counted by callgrind: a CPU figure that does not
drift with the machine.

    python bench/rush_instructions.py [--database decoded_rush_instructions] [--redis-db 3] [--counts 20 60]

Runs bench/rush_profile.py's replay (the rush's POSTs through the WSGI application, one process)
under `valgrind --tool=callgrind`, once per count, each on a freshly built database. The difference
of the two totals over the difference of the counts is what one registration costs; Python's
start, Django's setup and the first request cancel out. Prints one JSON line.

Why: this machine's speed drifts by ±30 % within a session, so wall-clock and even CPU-time
comparisons of a few per cent need many alternating runs. Instruction counts of the same code
agreed within 1.6 % (20.3 and 20.6 M per registration with counts 20 and 60), usually far closer
(18.81 and 18.82 M), whatever else ran. It counts the web process only: the PostgreSQL backend's CPU is in bench/rush_profile.py's
output, and throughput in bench/rush.py's. valgrind is Debian's package (`apt-get install
valgrind`). About two minutes with the default counts.

PostgreSQL's prepared statements (config/settings.py) are turned off for the replay unless
--prepared: with them, the same replay gave 10.3 M one run and 19.9 M the next, a count that no
longer repeats (their effect is measured by CPU time instead: bench/rush_profile.py).
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.prodstack import PYTHON, ROOT


def count_instructions(database: str, redis_db: int, count: int, *, prepared: bool) -> int:
    """callgrind's total for a replay of `count` POSTs on a rebuilt database."""
    from bench.rush import prepare_database  # noqa: PLC0415 (imports Django settings helpers)

    env = {**prepare_database(database, redis_db), "DATABASE_PREPARED_STATEMENTS": "on" if prepared else "off"}
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data.json"
        subprocess.run([PYTHON, "bench/bench_data.py", str(data)], cwd=ROOT, env=env, check=True, capture_output=True)
        replay = [PYTHON, "bench/rush_profile.py", "--data", str(data), "--count", str(count)]
        valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={Path(scratch) / 'callgrind.out'}"]
        result = subprocess.run(valgrind + replay, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    collected = re.search(r"Collected : (\d+)", result.stderr)
    statuses = json.loads(result.stdout.strip().splitlines()[-1])["statuses"] if result.stdout.strip() else {}
    if result.returncode != 0 or collected is None or set(statuses) != {"200 OK"}:
        raise RuntimeError(
            f"the replay under callgrind failed ({result.returncode}, {statuses}):\n{result.stderr[-2000:]}"
        )
    return int(collected.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="decoded_rush_instructions")
    parser.add_argument("--redis-db", type=int, default=3)
    parser.add_argument("--counts", type=int, nargs=2, default=[20, 60], metavar=("FEW", "MANY"))
    parser.add_argument("--prepared", action="store_true", help="keep PostgreSQL's prepared statements on")
    args = parser.parse_args()
    few, many = args.counts
    if not 0 < few < many:
        parser.error("--counts wants two counts, the second larger")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (apt-get install valgrind)")
    totals = {count: count_instructions(args.database, args.redis_db, count, prepared=args.prepared) for count in (few, many)}
    per_registration = (totals[many] - totals[few]) / (many - few)
    print(
        json.dumps(
            {
                "instructions_per_registration_millions": round(per_registration / 1e6, 3),
                "counts": [few, many],
                "totals": [totals[few], totals[many]],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
