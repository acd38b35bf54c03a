"""Command line: ``course COMMAND`` or ``python -m course_utils COMMAND``.

``--version`` prints the course version.

Commands:
  doctor              check this machine and say how to fix what is wrong
  exercises [SLUG...] regenerate exercises/ from solutions/ (all, or only these chapters)
  check-exercises     exit 1 if exercises/ differs from what `exercises` would write
  check-pairs         exit 1 if a notebook and its .py twin disagree
  stamp               record the course version and the pinned stack in every notebook's metadata
  build PATH...       execute notebooks (.py or .ipynb) as the tests do and write both twins
  assign ITEM...      build an assignment from chapters (03_tensors) or exercise ids (03.2)
  grade ASSIGNMENT SUBMISSIONS
                      grade submitted notebooks into grades.csv and feedback files
  export-nbgrader ITEM...
                      the same exercises as an nbgrader course folder (source/ and nbgrader_config.py)
  progress [--lang zh|en]
                      your exercises, chapter by chapter: passed, tried, not started; and what next
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..version import __version__


def main(argv: list[str] | None = None) -> int:
    prog = "course" if Path(sys.argv[0]).name == "course" else "python -m course_utils"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"PyTorch course {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check this machine")
    exercises = sub.add_parser("exercises", help="regenerate exercises/ from solutions/")
    exercises.add_argument("slugs", nargs="*", help="only these chapters (for example 11_text)")
    sub.add_parser("check-exercises", help="is exercises/ up to date?")
    sub.add_parser("check-pairs", help="are all .ipynb/.py pairs in sync?")
    sub.add_parser("stamp", help="record the course version and the pinned stack in every notebook's metadata")
    build = sub.add_parser("build", help="execute notebooks and write both twins")
    build.add_argument("paths", nargs="+", type=Path)
    assign = sub.add_parser("assign", help="build an assignment for students")
    assign.add_argument("items", nargs="+", help="chapters (03_tensors or 03) and/or exercise ids (03.2)")
    assign.add_argument("--edition", choices=["zh", "en"], required=True)
    assign.add_argument("--out", type=Path, required=True, help="the assignment folder to write")
    grade = sub.add_parser("grade", help="grade submitted notebooks")
    grade.add_argument("assignment", type=Path, help="the folder `assign` wrote")
    grade.add_argument("submissions", type=Path, help="<student>/<chapter>.ipynb or <student>.ipynb")
    grade.add_argument("--out", type=Path, default=Path("grading-results"))
    grade.add_argument("--timeout", type=float, default=60, help="seconds for one cell or one call of a student's code")
    grade.add_argument("--jobs", type=int, default=2, help="notebooks graded at once")
    grade.add_argument("--hidden-tests", type=Path, help="your own hidden tests: a .py file with `# %%%% 03.2` sections")
    grade.add_argument("--memory-gb", type=float, default=6, help="memory for one submission's sandbox")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="grade where no sandbox exists (macOS, Windows): only for code you trust")
    nbg = sub.add_parser("export-nbgrader", help="write the exercises as an nbgrader course folder")
    nbg.add_argument("items", nargs="+", help="chapters (03_tensors or 03) and/or exercise ids (03.2)")
    nbg.add_argument("--edition", choices=["zh", "en"], required=True)
    nbg.add_argument("--out", type=Path, required=True, help="the nbgrader course folder to write into")
    nbg.add_argument("--assignment", default="assignment1", help="nbgrader assignment name (default: assignment1)")
    progress = sub.add_parser("progress", help="your exercises: passed, tried, not started, and what next")
    progress.add_argument("--lang", choices=["zh", "en"], help="default: COURSE_LANG, else en (zh inside a zh/ folder)")
    args = parser.parse_args(argv)

    if args.command == "progress":
        from ..companion.progress import progress_table

        print(progress_table(args.lang, show_file=True))
        return 0

    if args.command == "export-nbgrader":
        from .nbgrader_export import export_nbgrader

        for path in export_nbgrader(args.items, args.edition, args.out, args.assignment):
            print(f"wrote {path}")
        print(f"next: cd {args.out} && nbgrader generate_assignment {args.assignment}")
        return 0

    if args.command in ("assign", "grade"):
        from . import grading
        from .judge import CHECKED_IN_SANDBOX

        if args.command == "assign":
            out = grading.build_assignment(args.items, args.edition, args.out)
            print(f"student copy:    {out / 'student'}  (hand this folder out)")
            print(f"instructor copy: {out / 'instructor'}  (keep this: solutions and hidden tests)")
            inside = sorted(CHECKED_IN_SANDBOX & {i for ids in grading.resolve(args.items).values() for i in ids})
            if inside:
                print(f"note: {', '.join(inside)} {'is' if len(inside) == 1 else 'are'} checked inside the student's "
                      "sandbox, where a determined student could forge the verdict (instructor guide, "
                      "'What is protected')")
            return 0
        limits = grading.Limits(seconds=args.timeout, memory_bytes=int(args.memory_gb * 2**30))
        if args.no_sandbox:
            print("WARNING: grading without a sandbox. Not protected: " + "; ".join(grading.UNPROTECTED) + ".")
        try:
            path = grading.grade(args.assignment, args.submissions, args.out, jobs=args.jobs, hidden=args.hidden_tests,
                                 limits=limits, unprotected=args.no_sandbox)
        except grading.SandboxRefused as refused:
            print(refused)
            return 2
        print(f"wrote {path}")
        return 0

    if args.command == "doctor":
        from ..doctor import main as doctor_main

        return doctor_main()

    from . import authoring

    if args.command == "exercises":
        for path in authoring.write_exercises(slugs=args.slugs):
            print(f"wrote {path}")
        return 0
    if args.command == "stamp":
        for path in authoring.stamp_notebooks():
            print(f"stamped {path}")
        return 0
    if args.command == "check-exercises":
        problems = authoring.exercise_problems()
    elif args.command == "check-pairs":
        problems = [p for folder in ("notebooks", "solutions", "exercises")
                    for p in authoring.pair_problems(authoring.ROOT / folder)]
    else:
        for path in args.paths:
            print(f"built {authoring.build(path)}")
        return 0
    for problem in problems:
        print(problem)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
