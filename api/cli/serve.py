"""CLI commands: `serve` (HTTP API and in-process worker), `worker`, `keys create|list|revoke`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

from pydantic import ValidationError

from api.cli.errors import CliError
from api.settings import Settings


def load_settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings from the environment, with `--db` / `--data-dir` given on the command line."""
    values: dict[str, Any] = dict(overrides)
    if getattr(args, "db", None):
        values["database_url"] = args.db
    if getattr(args, "data_dir", None):
        values["data_dir"] = args.data_dir
    try:
        return Settings(**values)
    except ValidationError as exc:
        reasons = "; ".join(
            str(err.get("msg", "")).removeprefix("Value error, ") for err in exc.errors()
        )
        raise CliError(f"invalid settings: {reasons}") from None


def _open(args: argparse.Namespace):  # noqa: ANN202
    from api.service import open_service

    settings = load_settings(args)
    try:
        return open_service(settings)
    except Exception as exc:
        raise CliError(
            f"cannot open the database {settings.resolved_database_url!r}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = load_settings(args)
    if not 0 < args.port < 65536:
        raise CliError(f"--port must be between 1 and 65535, not {args.port}")
    if not 1 <= args.processes <= 64:
        raise CliError(f"--processes must be between 1 and 64, not {args.processes}")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    server_options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": args.access_log,
        "timeout_graceful_shutdown": 10,
        "timeout_keep_alive": args.keep_alive,
    }
    if args.processes == 1:
        app = create_app(settings, run_worker=not args.no_worker, serving=True)
        uvicorn.run(app, **server_options)
        return 0
    # Several processes share the listening socket and each builds its app from the
    # environment; the database is migrated here once so they never race to do it.
    _open(args).close()
    os.environ["SPOTCHECK_DATABASE_URL"] = settings.resolved_database_url
    os.environ["SPOTCHECK_DATA_DIR"] = str(settings.data_dir.resolve())
    os.environ["SPOTCHECK_RUN_WORKER"] = "false" if args.no_worker else "true"
    uvicorn.run("api.app:serving_app", factory=True, workers=args.processes, **server_options)
    return 0


def run_worker(args: argparse.Namespace) -> int:
    from api.jobs.tasks import HANDLERS
    from api.jobs.worker import Worker, lower_session_priority

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    service = _open(args)
    lower_session_priority(service.settings.worker_nice)
    worker = Worker(service, HANDLERS)

    def stop(_signum: int, _frame: object) -> None:
        worker.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.once:
        done = worker.run_until_idle()
        print(f"ran {done} job(s)", file=sys.stderr)
        service.close()
        return 0
    print(f"worker {worker.worker_id} started", file=sys.stderr)
    worker.start(args.threads)
    worker.wait()
    worker.stop()
    service.close()
    return 0


def run_keys_create(args: argparse.Namespace) -> int:
    from api import audit
    from api.keys import KeyError_, Principal, create_key

    service = _open(args)
    try:
        with service.sessions() as session:
            try:
                created = create_key(
                    session,
                    secret=service.settings.secret_key,
                    role=args.role,
                    name=args.name or "",
                    institution=args.institution,
                )
            except KeyError_ as exc:
                raise CliError(str(exc)) from None
            actor = Principal("", "cli", "cli", None)
            audit.record(
                session,
                actor,
                "key.create",
                "api_key",
                created.key.id,
                {"role": args.role, "institution": args.institution, "name": created.key.name},
                "cli",
            )
            session.commit()
            print(created.token)
            print(
                f"created {created.key.role} key {created.key.id} ({created.key.name}"
                + (f", {created.key.institution}" if created.key.institution else "")
                + "); the key above is shown only once",
                file=sys.stderr,
            )
    finally:
        service.close()
    return 0


def run_keys_list(args: argparse.Namespace) -> int:
    from api.keys import list_keys

    service = _open(args)
    try:
        with service.sessions() as session:
            keys = list_keys(session)
    finally:
        service.close()
    print("id\tprefix\trole\tinstitution\tname\tcreated_at\tstatus")
    for key in keys:
        status = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        print(
            f"{key.id}\t{key.prefix}\t{key.role}\t{key.institution or '-'}\t{key.name}\t"
            f"{key.created_at:%Y-%m-%dT%H:%M:%SZ}\t{status}"
        )
    return 0


def run_keys_revoke(args: argparse.Namespace) -> int:
    from api import audit
    from api.keys import KeyError_, Principal, revoke_key

    service = _open(args)
    try:
        with service.sessions() as session:
            try:
                key = revoke_key(session, args.key_id)
            except KeyError_ as exc:
                raise CliError(str(exc)) from None
            audit.record(
                session,
                Principal("", "cli", "cli", None),
                "key.revoke",
                "api_key",
                key.id,
                {},
                "cli",
            )
            session.commit()
            print(f"revoked key {key.id} ({key.name})", file=sys.stderr)
    finally:
        service.close()
    return 0


def _storage_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: SQLite under the data folder)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (default: $SPOTCHECK_DATA_DIR or ./spotcheck-data)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds `serve`, `worker` and `keys`."""
    serve = subparsers.add_parser("serve", help="run the HTTP API (with an in-process job worker)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    _storage_options(serve)
    serve.add_argument(
        "--no-worker", action="store_true", help="do not run jobs in the server's processes"
    )
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="HTTP processes sharing the port (default 1; about one per core under load). "
        "Each runs a job worker unless --no-worker; rate limits count per process",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    serve.add_argument(
        "--keep-alive",
        type=int,
        default=75,
        metavar="SECONDS",
        help="idle keep-alive timeout of client connections (default 75, longer than "
        "common client and proxy pools so they never reuse a connection being closed)",
    )
    serve.set_defaults(handler=run_serve)

    worker = subparsers.add_parser("worker", help="run background jobs (screenings, webhooks)")
    _storage_options(worker)
    worker.add_argument("--threads", type=int, default=1, help="screening threads (default 1)")
    worker.add_argument("--once", action="store_true", help="run the jobs that are due, then exit")
    worker.set_defaults(handler=run_worker)

    keys = subparsers.add_parser("keys", help="manage API keys")
    key_commands = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    create = key_commands.add_parser("create", help="create a key (printed once)")
    create.add_argument("--role", required=True, choices=["admin", "system", "reviewer"])
    create.add_argument("--institution", help="the institution a system key acts for")
    create.add_argument("--name", help="a label for the key")
    _storage_options(create)
    create.set_defaults(handler=run_keys_create)
    listing = key_commands.add_parser("list", help="list keys (never their secrets)")
    _storage_options(listing)
    listing.set_defaults(handler=run_keys_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key by id or prefix")
    revoke.add_argument("key_id", metavar="KEY_ID")
    _storage_options(revoke)
    revoke.set_defaults(handler=run_keys_revoke)
