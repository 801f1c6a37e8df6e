"""``python -m benchmarks.reliability [--small] [--engine postgresql]``: run the harness, print
the README's table; exit 1 when something did not hold."""

from __future__ import annotations

import argparse
import sys

from benchmarks.reliability import ENGINES, SMALL, Sizes, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability", description=__doc__)
    parser.add_argument("--small", action="store_true", help="the quick version (tests)")
    parser.add_argument("--fuzz-requests", type=int, help="schemathesis requests to reach")
    parser.add_argument("--fuzz-budget", type=float, help="seconds schemathesis may take")
    parser.add_argument(
        "--engine",
        choices=list(ENGINES),
        default="sqlite",
        help="the server's database: a SQLite file (default) or a throwaway PostgreSQL cluster",
    )
    args = parser.parse_args(argv)
    sizes = SMALL if args.small else Sizes()
    if args.fuzz_requests is not None or args.fuzz_budget is not None:
        sizes = Sizes(
            **{
                **sizes.__dict__,
                "fuzz_requests": args.fuzz_requests or sizes.fuzz_requests,
                "fuzz_budget_s": args.fuzz_budget or sizes.fuzz_budget_s,
            }
        )
    report = run(sizes, args.engine)
    print(report.table())
    if report.fuzzed.failure_report:  # the scratch directory with the server's log is gone
        print(report.fuzzed.failure_report, file=sys.stderr)
    return 0 if report.held else 1


if __name__ == "__main__":
    sys.exit(main())
