"""The ``msdw`` command: generate, run, status, release."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from msdw.errors import EXIT_BLOCKED, EXIT_PUBLISHED, EXIT_USAGE, MsdwError, SetupError
from msdw.warehouse import DEFAULT_INBOX, DEFAULT_WAREHOUSE, Warehouse

NEW_KEY_ENV = "MSDW_ARCHIVE_NEW_KEY"  # the new key for `msdw archive-rotate-key`, when not given in a file


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except MsdwError as exc:  # our own errors say what to do; anything else is a bug and keeps its traceback
        print(f"msdw: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("msdw: interrupted; run the same command again to resume (nothing accepted is lost)", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="msdw", description="The modern slavery data warehouse.")
    sub = parser.add_subparsers(dest="command")

    gen = sub.add_parser("generate", help="write synthetic monthly returns into an inbox")
    gen.add_argument("--inbox", default=DEFAULT_INBOX)
    gen.add_argument("--start", required=True, help="first reporting month, YYYY-MM")
    gen.add_argument("--end", required=True, help="last reporting month, YYYY-MM")
    gen.add_argument("--scale", type=float, default=1.0, help="volume multiplier; 1 is national volume")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--truth", default=None, help="ground truth folder (default: truth/ beside the inbox)")
    try:
        from msdw.generate import add_arguments

        add_arguments(gen)
    except ImportError:
        pass
    gen.set_defaults(func=_generate)

    run = sub.add_parser("run", help="ingest new returns, build, validate and publish the marts")
    run.add_argument("--inbox", default=DEFAULT_INBOX, help="inbox folder or fsspec URL")
    run.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    run.add_argument("--ingest-only", action="store_true", help="stop after ingestion")
    run.set_defaults(func=_run)

    from msdw.linkage import add_report_arguments

    add_report_arguments(sub.add_parser("linkage-report", help="measure person linkage against a ground truth"))

    status = sub.add_parser("status", help="show the state of returns and the last publish")
    status.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    status.add_argument("--all", action="store_true", help="list every expected return, not only problems")
    status.add_argument("--submitter", metavar="CODE", help="one submitter's recent returns and their receipts")
    status.add_argument("--months", type=int, default=12, help="with --submitter: how many recent months (12)")
    status.set_defaults(func=_status)

    from msdw.release.command import add_arguments as add_release_arguments

    add_release_arguments(
        sub.add_parser("release", help="make an official-statistics release from the published marts, list or verify")
    )
    _add_archive_commands(sub)
    return parser


def _generate(args: argparse.Namespace) -> int:
    from msdw.generate import faults_from_args, generate

    summary = generate(
        Path(args.inbox),
        args.start,
        args.end,
        scale=args.scale,
        seed=args.seed,
        truth=Path(args.truth) if args.truth else None,
        faults=faults_from_args(args),
        progress=getattr(args, "progress", True),
    )
    print(summary)
    return 0


def _inbox_arg(inbox: str) -> str:
    if "://" in inbox:
        return inbox
    path = Path(inbox).expanduser().resolve()
    if not path.is_dir():
        raise MsdwError(f"inbox {inbox} does not exist: create it, or write a demo one with `msdw generate`")
    return os.fspath(path)


def _run(args: argparse.Namespace) -> int:
    from msdw.orchestrate import run_pipeline
    from msdw.status import run_summary

    inbox = _inbox_arg(args.inbox)
    _check_archive_key(Warehouse.at(args.warehouse))
    warehouse = Warehouse.at(args.warehouse).ensure()
    started = time.monotonic()
    print(f"msdw run: inbox {inbox}, warehouse {warehouse.root}")
    run_id, outcomes = run_pipeline(warehouse, inbox, with_build=not args.ingest_only)
    summary = run_summary(warehouse, run_id)
    failed = [o for o in outcomes if o.failed_tasks]
    _print_summary(summary)
    _print_receipts(warehouse, outcomes)
    build = next((o for o in outcomes if o.dag_id == "build_warehouse"), None)
    code = EXIT_PUBLISHED
    if failed:
        for o in failed:
            # the tasks ran in this process: their errors were printed above, as they happened
            print(f"  {o.dag_id}: failed tasks {', '.join(o.failed_tasks)} (their errors are printed above)")
    if build is not None:
        code = _report_publish(warehouse, build)
    elif failed:
        code = EXIT_BLOCKED
    print(f"Finished in {time.monotonic() - started:.0f} s.")
    return code


def _report_publish(warehouse: Warehouse, build: object) -> int:
    from msdw.publish import last_publish, read_publish_record

    gate = getattr(build, "returns", {}).get("publish")
    if isinstance(gate, dict) and gate.get("published"):
        print(f"Published: {warehouse.marts}")
        info = last_publish(warehouse)
        if info:
            print("  tables: " + ", ".join(f"{t} {n}" for t, n in sorted(info.get("tables", {}).items())))
        for label, path in (
            ("Report", warehouse.report / "index.html"),
            ("Open data", warehouse.open_data),
            ("Data Docs", warehouse.data_docs / "index.html"),
            ("dbt docs", warehouse.dbt_docs / "index.html"),
        ):
            print(f"  {label}: {path}")
        return EXIT_PUBLISHED
    failures = ["the build did not finish: see the failed tasks above"]
    if "publish" in getattr(build, "failed_tasks", []):  # a blocked publish fails its task; publish.json says why
        attempt = (read_publish_record(warehouse) or {}).get("last_attempt") or {}
        failures = attempt.get("failures") or failures
    print("Blocked: the mart gate failed; the last good marts.duckdb is kept.")
    for failure in failures[:50]:
        print(f"  - {failure}")
    return EXIT_BLOCKED


def _print_summary(s: object) -> None:
    print(
        f"Returns: {s.accepted} accepted ({s.revised} revisions), {s.quarantined} quarantined, "
        f"{s.duplicates} duplicates, {s.rejected} rejected; {s.late} late and {s.missing} missing overall; "
        f"{s.rows} rows loaded."
    )
    for label, reasons in list(s.quarantine_reasons.items())[:20]:
        print(f"  quarantined {label}:")
        for reason in reasons[:5]:
            print(f"    - {reason}")
    if len(s.quarantine_reasons) > 20:
        print(f"  ... and {len(s.quarantine_reasons) - 20} more (msdw status)")
    for rejection in s.rejections[:20]:
        print(f"  rejected {rejection}")


def _print_receipts(warehouse: Warehouse, outcomes: list) -> None:
    """Write what the ingest DAGs' receipts tasks left (none, normally), and say what they wrote and to whom."""
    from msdw.receipts import receipts_root, write_receipts

    done = [r for o in outcomes for r in o.returns.values() if isinstance(r, dict) and "no_contact" in r]
    final = write_receipts(warehouse).as_dict()
    written = final["written"] + sum(r["written"] for r in done)
    no_contact = sorted({s for r in [*done, final] for s in r["no_contact"]})
    failures = [f for r in [*done, final] for f in r["delivery_failures"]]
    print(f"Receipts: {written} written under {receipts_root(warehouse)}.")
    if no_contact:
        listed = ", ".join(no_contact[:30]) + (f" and {len(no_contact) - 30} more" if len(no_contact) > 30 else "")
        contacts = warehouse.root / "contacts.yml"
        print(f"  no contact for {len(no_contact)} submitters (add them to {contacts}): {listed}")
    for failure in failures[:10]:
        print(f"  not delivered: {failure}")


def _status(args: argparse.Namespace) -> int:
    from msdw.status import return_status

    warehouse = Warehouse.at(args.warehouse)
    if not warehouse.ledger_db.exists():
        print(f"No warehouse at {warehouse.root}: run `msdw run --warehouse {args.warehouse}` first.")
        return EXIT_USAGE
    if args.submitter:
        from msdw.receipts.status import print_submitter

        return print_submitter(warehouse, args.submitter, args.months)
    rows = return_status(warehouse)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[4]] = counts.get(row[4], 0) + 1
    print(f"Warehouse {warehouse.root}")
    print("Returns: " + ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items())))
    for month, source, submitter, part, status, versions, errors in rows:
        if args.all or status != "ACCEPTED":
            line = f"  {month:%Y-%m} {source:<13} {submitter:<10} {part:<10} {status:<11} versions {versions}"
            if status == "QUARANTINED" and errors:
                line += f"  {errors[:200]}"
            print(line)
    try:
        from msdw.publish import last_publish

        info = last_publish(warehouse)
    except ImportError:
        info = None
    if info:
        print(f"Last publish: {info.get('published_at')} -> {warehouse.marts}")
    else:
        print("Last publish: none yet")
    return 0


# --- the archive: encryption, rebuild, retention ---


def _add_archive_commands(sub: argparse._SubParsersAction) -> None:
    rebuild = sub.add_parser("rebuild", help="rebuild the whole warehouse from its archive (or under a new key)")
    rebuild.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    rebuild.add_argument("--into", default=None, help="build into this new folder and leave the warehouse as it is")
    rebuild.add_argument(
        "--new-pseudonym-key", action="store_true", help="rotate the pseudonym key: a new key for the rebuilt warehouse"
    )
    rebuild.set_defaults(func=_rebuild)

    encrypt = sub.add_parser("archive-encrypt", help="encrypt a plaintext archive in place, file by file")
    encrypt.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    encrypt.set_defaults(func=_archive_encrypt)

    rotate = sub.add_parser(
        "archive-rotate-key", help="re-wrap every archived file's data key under a new archive master key"
    )
    rotate.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    rotate.add_argument(
        "--new-key-file",
        default=None,
        help=f"a file holding the new key (else {NEW_KEY_ENV}; else, for a key kept in archive.key, a new random key)",
    )
    rotate.set_defaults(func=_archive_rotate_key)

    retention = sub.add_parser("retention", help="destroy archived files whose retention period is over")
    retention.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    retention.add_argument("--dry-run", action="store_true", help="list what would be destroyed, change nothing")
    retention.add_argument("--policy", default=None, help="retention policy file (default: retention.yml)")
    retention.add_argument("--as-of", default=None, help="judge ages as of this day, YYYY-MM-DD (default: today)")
    retention.set_defaults(func=_retention)


def _check_archive_key(warehouse: Warehouse) -> None:
    """A wrong or missing archive key is a set-up error before anything runs."""
    if warehouse.archive.is_dir():
        from msdw.archive import Archive

        Archive.open(warehouse)


def _existing(path: str) -> Warehouse:
    warehouse = Warehouse.at(path)
    if not warehouse.archive.is_dir():
        raise MsdwError(f"no archive at {warehouse.archive}: give the warehouse folder with --warehouse")
    return warehouse


def _rebuild(args: argparse.Namespace) -> int:
    from msdw.rebuild import CheckFailed, rebuild

    warehouse = _existing(args.warehouse)
    started = time.monotonic()
    try:
        done = rebuild(warehouse, Path(args.into) if args.into else None, args.new_pseudonym_key)
    except CheckFailed as exc:
        print(f"msdw rebuild: not switched: {exc}", file=sys.stderr)
        return EXIT_BLOCKED
    print(f"Rebuilt {done.warehouse} from {done.arrivals} archived arrivals in {done.rounds} rounds.")
    if args.new_pseudonym_key:
        print(
            "  The rebuilt warehouse has a new pseudonym key: back it up; if the service takes its key from "
            "MSDW_PSEUDONYM_KEY, set it to the new key now."
        )
    if done.previous:
        print(f"  The old warehouse is {done.previous}: destroy it after the period agreed with the data owners.")
    print(f"Finished in {time.monotonic() - started:.0f} s.")
    return EXIT_PUBLISHED


def _archive_encrypt(args: argparse.Namespace) -> int:
    from msdw.archive import Archive

    warehouse = _existing(args.warehouse)
    archive = Archive.open(warehouse)

    def progress(done: int, total: int) -> None:
        if done == total or done % 500 == 0:
            print(f"  {done}/{total} files checked", flush=True)

    sealed = archive.encrypt_in_place(progress)
    print(
        f"Encrypted {sealed} archived files in place; the archive key is in "
        f"{'MSDW_ARCHIVE_KEY' if os.environ.get('MSDW_ARCHIVE_KEY') else warehouse.archive_key_file}: back it up."
    )
    return 0


def _archive_rotate_key(args: argparse.Namespace) -> int:
    import secrets

    from msdw.archive import KEY_ENV, Archive

    warehouse = _existing(args.warehouse)
    archive = Archive.open(warehouse, create=False)
    from_env = archive.key_source == KEY_ENV
    if args.new_key_file:
        secret = Path(args.new_key_file).read_text(encoding="utf-8").strip()
    elif os.environ.get(NEW_KEY_ENV):
        secret = os.environ[NEW_KEY_ENV].strip()
    elif from_env:
        raise SetupError(
            f"the archive key comes from {KEY_ENV}: give the new key with --new-key-file or {NEW_KEY_ENV} "
            f"(`openssl rand -hex 32`), then set {KEY_ENV} to it"
        )
    else:
        secret = secrets.token_hex(32)
    old_id = archive.key_id

    def progress(done: int, total: int) -> None:
        if done == total or done % 500 == 0:
            print(f"  {done}/{total} files re-wrapped or checked", flush=True)

    rewrapped = archive.rekey(secret, progress)
    print(f"Re-wrapped {rewrapped} archived files: archive key {old_id} -> {archive.key_id}.")
    if from_env:
        print(f"  Set {KEY_ENV} to the new key before the next run; the old key no longer opens the archive.")
    else:
        print(f"  The new key is in {warehouse.archive_key_file}: back it up now, apart from the archive.")
    print("  Destroy the backups of the old key after the period agreed with the data owners.")
    return 0


def _retention(args: argparse.Namespace) -> int:
    import datetime as dt

    from msdw.retention import Policy, apply_retention, purge_quality_results

    warehouse = _existing(args.warehouse)
    policy = Policy.load(Path(args.policy) if args.policy else None)
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    expired = apply_retention(warehouse, policy, as_of=as_of, dry_run=args.dry_run)
    results = purge_quality_results(warehouse, policy, as_of=as_of, dry_run=args.dry_run)
    verb = "would destroy" if args.dry_run else "destroyed"
    print(
        f"Retention ({policy.source}): {verb} {len({e.sha256 for e in expired})} archived files, "
        f"{len(expired)} entries; {'would remove' if args.dry_run else 'removed'} {len(results)} data-quality "
        f"records older than {policy.quality_results_months} months."
    )
    for e in expired:
        print(f"  {e.rule:<11} {e.label}")
    if expired and not args.dry_run:
        print("  Their rows leave the marts at the next `msdw run`; each deletion is in the ledger (deletions).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
