"""Write a tuning set and a held-out set (two worlds of different seeds) as CSV.

    .venv/bin/python -m tools.identity_gen2 OUT_DIR [--households 4000] [--corporations 900] [--seed 1]

OUT_DIR/gen2_tuning.csv comes from --seed, OUT_DIR/gen2_heldout.csv from --seed + 1000. The
held-out file is for measuring only: never read it while tuning the matcher.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.identity_gen2.build import generate

HELD_OUT_SEED_OFFSET = 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--households", type=int, default=4000)
    parser.add_argument("--corporations", type=int, default=900)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.households < 1 or args.corporations < 0:
        print("世帯数は1以上、法人数は0以上を指定してください。", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, seed in (("gen2_tuning.csv", args.seed), ("gen2_heldout.csv", args.seed + HELD_OUT_SEED_OFFSET)):
        frame = generate(args.households, args.corporations, seed=seed)
        frame.to_csv(args.out_dir / name, index=False)
        print(f"{args.out_dir / name}: {len(frame)} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
