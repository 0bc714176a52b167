"""The ``sentlab`` command line: it parses arguments and calls the library, nothing more.

Each subcommand is one ``_add_<name>(subcommands)`` function that declares its arguments and
sets ``run`` to the function doing the work; add it to ``COMMANDS`` to register it. Everything
the user typed is checked before any work or request (the helpers below: argument types, output
paths, the time window), and every error is one line on stderr with no traceback.

>>> main(["simulate", "--port", "8000"])      # serves until Ctrl-C
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import socket
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

Subcommands = Any  # argparse's private _SubParsersAction

# --------------------------------------------------------------------------- shared checks


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (``sentlab export: error: ...``), exit 2.

    Subcommand parsers are of the same class (argparse makes them with ``type(parent)``).
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def printable(text: object) -> str:
    """``text`` with control characters escaped (``\\x1b``), so nothing typed or served can drive the terminal.

    Newlines stay (API errors span lines); every other control or format character is shown
    as its escape.

    >>> printable("+1415\\x1b[2J")
    '+1415\\\\x1b[2J'
    """
    out = []
    for char in str(text):
        if char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


def fail(command: str, error: object, status: int = 1) -> int:
    """Print ``sentlab <command>: <error>`` on stderr (control characters escaped); return ``status``.

    >>> fail("export", "the directory does not exist")
    1
    """
    print(f"sentlab {command}: {printable(error)}", file=sys.stderr)
    return status


def count(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum`` (``--contacts -5`` is a usage error).

    >>> count(1)("20")
    20
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    parse.__name__ = "count"
    return parse


def port(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free one) to 65535.

    >>> port("8000")
    8000
    """
    value = count(0)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 0 to 65535, not {value}")
    return value


def output_file(value: str, *, suffixes: Sequence[str] = ()) -> Path:
    """``value`` as a file to write, checked before any work: never a directory, and in a
    directory that exists and is writable (none is created). ``suffixes``: the extensions allowed.

    >>> output_file("report.html", suffixes=[".html", ".htm"])
    PosixPath('report.html')
    """
    path = Path(value).expanduser()
    if path.is_dir():
        raise ValueError(f"--out {value} is a directory: give a file name, e.g. {path / 'report.html'}")
    if suffixes and path.suffix.lower() not in suffixes:
        raise ValueError(f"--out {value}: the file name must end in {' or '.join(suffixes)}")
    parent = path.parent
    if not parent.is_dir():
        raise ValueError(f"--out {value}: the directory {parent} does not exist (create it first)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"--out {value}: the directory {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"--out {value}: the file exists and is not writable")
    return path


def check_window(since: str | None, until: str | None) -> None:
    """``--since``/``--until`` checked locally (dates, order), before any request.

    >>> check_window("2026-11-01", "2026-10-01")
    Traceback (most recent call last):
    ConfigurationError: until (2026-10-01 00:00:00+00:00) must be later than since ...
    """
    from sentlab._time import check_window

    check_window(since, until)


def check_free_port(host: str, number: int) -> None:
    """Raise ValueError when ``host:number`` cannot be listened on (in use, not loopback), before any work.

    >>> check_free_port("127.0.0.1", 0)
    """
    from sentlab.simulator._server import _check_loopback

    _check_loopback(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, number))
            probe.listen(1)
        except OSError as error:
            reason = "is in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
            raise ValueError(f"port {number} on {host} {reason}: pick another with --port, "
                             "or --port 0 for any free one") from None  # fmt: skip


# --------------------------------------------------------------------------- commands


def _add_simulate(subcommands: Subcommands) -> None:
    parser = subcommands.add_parser(
        "simulate",
        help="serve the Sent v3 simulator on a loopback port",
        description="Serve a deterministic synthetic Sent v3 account on a loopback port until "
        "interrupted, and print the base URL and its API keys (demo keys, not secrets).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=port, default=8000, help="port, 0 for any free one (default 8000)")
    parser.add_argument("--seed", type=count(0), default=7, help="world seed (default 7)")
    parser.add_argument("--contacts", type=count(1), default=2000, help="number of contacts (default 2000)")
    parser.add_argument("--messages", type=count(0), default=5000, help="number of messages (default 5000)")
    parser.add_argument("--profiles", type=count(1), default=3, help="child profiles (default 3)")
    parser.add_argument("--rate-limit", default="200/min", metavar="RATE|off",
                        help="standard per-account rate, e.g. 200/min or 200/min,burst=50, or off")
    parser.add_argument("--latency", default="0ms", metavar="DURATION",
                        help="fixed delay added to every response, e.g. 80ms")
    parser.add_argument("--faults", default="", metavar="SPEC",
                        help="e.g. 500=0.02,502=0.01,503=0.01,429=0.02,drop=0.01,truncate=0.01,html=0.01,seed=3")
    parser.add_argument("--json", action="store_true",
                        help='print one first line of JSON: {"base_url", "api_key", "profile_keys"}')
    parser.set_defaults(run=_run_simulate)


def _run_simulate(args: argparse.Namespace) -> int:
    from sentlab.simulator import Faults, RateLimits, SimulatorConfig, build_world
    from sentlab.simulator._server import serve_forever
    from sentlab.simulator._settings import parse_duration

    try:
        config = SimulatorConfig(
            rate_limits=RateLimits.parse(args.rate_limit),
            faults=Faults.parse(args.faults),
            latency=parse_duration(args.latency),
        )
        check_free_port(args.host, args.port)  # before the world is built
    except ValueError as exc:
        return fail("simulate", exc, 2)
    if not args.json:
        print(f"Building a world of {args.contacts} contacts and {args.messages} messages "
              f"(seed {args.seed})…", file=sys.stderr, flush=True)
    world = build_world(seed=args.seed, contacts=args.contacts, messages=args.messages,
                        profiles=args.profiles)

    def announce(server: Any) -> None:
        if args.json:
            line = {"base_url": server.base_url, "api_key": server.org_key, "profile_keys": server.profile_keys}
            print(json.dumps(line), flush=True)
            return
        print(f"Sent v3 simulator at {server.base_url}  (Ctrl-C to stop)")
        print(f"  organization key  {server.org_key}")
        for profile_id, key in server.profile_keys.items():
            print(f"  profile {profile_id}  {key}")
        print(f"  try: curl -H 'x-api-key: {server.org_key}' {server.base_url}/v3/me", flush=True)

    try:
        serve_forever(world, config, host=args.host, port=args.port, ready=announce)
    except (OSError, ValueError, RuntimeError) as exc:
        return fail("simulate", exc)
    return 0


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    # The key is read from SENT_DM_API_KEY / SENT_API_KEY / .env, never from the command
    # line, where it would show in the shell history and in `ps`.
    parser.add_argument("--base-url", help="API base URL (default: SENT_BASE_URL, else the real API; "
                        "with no key and no base URL: the built-in simulator)")
    parser.add_argument("--profile-id", help="scope to this child profile (organization keys)")
    parser.add_argument("--demo", action="store_true", help="use the built-in simulator's demo account")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the local store")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress report on stderr (as SENTLAB_PROGRESS=0)")


def _connect(args: argparse.Namespace) -> Any:
    import sentlab

    return sentlab.connect(base_url=args.base_url, profile_id=args.profile_id, demo=args.demo,
                           store=not args.no_cache, progress=False if args.quiet else None)


def _add_export(subcommands: Subcommands) -> None:
    from sentlab._export import EXPORTABLE

    parser = subcommands.add_parser(
        "export",
        help="write a frame to Parquet or CSV",
        description="Fetch one resource (through the local store) and write it as a typed "
        "Parquet file or a CSV file. The format is the file's extension (.parquet or .csv); "
        "--format, if given, must agree with it.",
    )
    parser.add_argument("resource", choices=list(EXPORTABLE))
    parser.add_argument("--format", dest="fmt", choices=["parquet", "csv"], default=None,
                        help="parquet or csv (default: from the --out extension, else parquet)")
    parser.add_argument("--out", required=True,
                        help="a .parquet or .csv file, or an existing directory (gets <resource>.<format>)")
    _add_connection_options(parser)
    parser.set_defaults(run=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    from sentlab._errors import SentError
    from sentlab._export import export_target, run_export

    try:
        path, fmt = export_target(args.resource, args.fmt, args.out)  # before any request
        output_file(str(path))
        with _connect(args) as lab:
            path = run_export(lab, args.resource, fmt, path)
    except (SentError, ValueError, OSError) as exc:
        return fail("export", exc)
    print(printable(path))
    return 0


def _add_lookup(subcommands: Subcommands) -> None:
    parser = subcommands.add_parser(
        "lookup",
        help="look up phone numbers (validity, carrier, line type)",
        description="Look up phone numbers and print one row per number.",
    )
    parser.add_argument("numbers", nargs="+", metavar="NUMBER", help="E.164 numbers, e.g. +14155550123")
    parser.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    _add_connection_options(parser)
    parser.set_defaults(run=_run_lookup)


def _run_lookup(args: argparse.Namespace) -> int:
    import warnings

    from sentlab._errors import SentError

    try:
        with _connect(args) as lab, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # failures are printed below, one line each
            frame = lab.lookup_numbers(args.numbers)
    except (SentError, ValueError) as exc:
        return fail("lookup", exc)
    if args.json:
        print(frame.to_json(orient="records", date_format="iso"))  # JSON escapes control characters
    elif len(frame):
        text = frame.map(lambda v: printable(v).replace("\n", "\\n") if isinstance(v, str) else v)
        print(text.to_string(index=False))
    failures = frame.attrs.get("failures") or {}
    for number, error in failures.items():
        fail("lookup", f"{printable(number)}: {error}")
    return 1 if failures else 0


def _add_report(subcommands: Subcommands) -> None:
    parser = subcommands.add_parser(
        "report",
        help="write the delivery & cost report as one HTML page",
        description="Fetch messages (through the local store), compute delivery, read and failure "
        "rates, cost and latency by channel, region, template and day, and write a self-contained "
        "HTML report. With no API key: the built-in simulator's demo account.",
    )
    parser.add_argument("--out", default="sentlab-report.html",
                        help="the HTML file to write (default sentlab-report.html)")
    parser.add_argument("--since", help="messages created at or after this time (ISO 8601, UTC)")
    parser.add_argument("--until", help="messages created before this time (ISO 8601, UTC)")
    parser.add_argument("--prices", choices=["sample", "all", "none"], default="sample",
                        help="with the messages list every message is priced (exact cost) and "
                        "only 'none' (no cost) changes anything; on a server without it: a "
                        "stratified sample of prices (default) or every message's details")
    parser.add_argument("--per-stratum", type=count(1), default=2, metavar="N",
                        help="priced messages per channel x region x category (default 2)")
    _add_connection_options(parser)
    parser.set_defaults(run=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    from sentlab._errors import SentError

    try:
        output_file(args.out)  # local checks first: no work, no request for a mistake
        check_window(args.since, args.until)
        with _connect(args) as lab:
            report = lab.report(since=args.since, until=args.until, prices=args.prices,
                                per_stratum=args.per_stratum)
            path = report.save(args.out)
    except (SentError, ValueError, OSError) as exc:
        return fail("report", exc)
    print(report.summary())
    print(f"report written to {path}")
    return 0


def _add_listen(subcommands: Subcommands) -> None:
    parser = subcommands.add_parser(
        "listen",
        help="receive Sent webhooks: verify, store once per event, answer 2xx",
        description="Serve a webhook receiver until interrupted: each delivery's signature is "
        "verified (401 if it does not check out), stored once per event id in the local store, "
        "and answered 200 at once. The secret is read from an environment variable or a file, "
        "never from the command line, and never printed.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port, 0 for any free one (default 8080)")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument("--secret-env", metavar="VAR", default=None,
                        help="environment variable holding the whsec_ secret (default SENT_WEBHOOK_SECRET)")
    secret.add_argument("--secret-file", metavar="FILE",
                        help="file holding the secret (several, whitespace-separated, during a rotation)")
    parser.add_argument("--store", metavar="DIR", help="store directory (default: the one sentlab.connect() uses)")
    parser.add_argument("--log", metavar="FILE", help="also append each verified delivery to FILE (JSON lines)")
    parser.add_argument("--tolerance", type=float, default=300, metavar="SECONDS",
                        help="refuse timestamps further than this from now (default 300)")
    parser.set_defaults(run=_run_listen)


def _run_listen(args: argparse.Namespace) -> int:
    import signal
    import threading

    from sentlab._errors import SentError
    from sentlab.webhooks import Receiver, app

    try:
        receiver = Receiver(app(secret_env=args.secret_env, secret_file=args.secret_file, store=args.store,
                                tolerance=args.tolerance, log_file=args.log), host=args.host, port=args.port)  # fmt: skip
    except (SentError, ValueError, OSError) as exc:
        print(f"sentlab listen: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with receiver:
            print(f"receiving Sent webhooks at {receiver.url}  (Ctrl-C to stop)", flush=True)
            print(f"  storing in {receiver.app.state.inbox.path}", flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


COMMANDS: list[Callable[[Subcommands], None]] = [_add_report, _add_simulate, _add_export, _add_lookup, _add_listen]


def build_parser() -> argparse.ArgumentParser:
    """The ``sentlab`` parser with every registered subcommand."""
    from sentlab import __version__

    parser = Parser(prog="sentlab", description="Analyse the Sent messaging API (v3).")
    parser.add_argument("--version", action="version", version=f"sentlab {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sentlab`` with ``argv`` (default: the process arguments); returns the exit status.

    >>> main(["simulate", "--port", "0", "--json"])
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 2
    from sentlab._errors import SentError

    try:
        return args.run(args)
    except SentError as exc:  # a command that let one through: still one line, no traceback
        return fail(args.command, exc)
    except KeyboardInterrupt:
        return fail(args.command, "interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
