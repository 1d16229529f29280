"""`academichub users`: accounts from the command line (the way in when sign-up is closed)."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime

from app.accounts import tokens, users
from app.accounts.passwords import PasswordError
from app.db import schema_is_current, transaction


class UsersCommandError(Exception):
    """A users command that cannot be done; the message is the one stderr line."""


def add_users_commands(commands) -> None:
    """Register `users add|token|list|remove` on the CLI's subcommands."""
    group = commands.add_parser("users", help="accounts").add_subparsers(metavar="ACTION")
    add = group.add_parser("add", help="create an account (prompts for the password)")
    add.add_argument("email")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--admin", action="store_true", help="may manage sources")
    add.set_defaults(handler=cmd_users_add)
    token = group.add_parser("token", help="print a new personal API token for an account")
    token.add_argument("email")
    token.set_defaults(handler=cmd_users_token)
    listing = group.add_parser("list", help="accounts")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_users_list)
    remove = group.add_parser("remove", help="delete an account and everything it owns")
    remove.add_argument("email")
    remove.set_defaults(handler=cmd_users_remove)


def _current(services) -> None:
    if not schema_is_current(services.engine):
        raise UsersCommandError(
            "the database schema is not up to date; run `academichub db upgrade`"
        )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsersCommandError("no terminal to ask for the password; use --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password, again: "):
        raise UsersCommandError("the two passwords differ")
    return first


def cmd_users_add(args, services) -> int:
    """Create an account; the first account is an admin."""
    _current(services)
    password = _read_password(args.password_stdin)
    try:
        with transaction(services.sessions) as session:
            account = users.create_user(
                session, args.email, password, now=datetime.now(UTC), admin=args.admin
            )
    except (users.AccountError, PasswordError) as error:
        raise UsersCommandError(str(error)) from None
    role = "admin" if account.is_admin else "user"
    print(f"account {account.id} created for {account.email} ({role})", file=sys.stderr)
    return 0


def cmd_users_token(args, services) -> int:
    """Print a new personal API token (stdout: only the token, for scripts)."""
    _current(services)
    with transaction(services.sessions) as session:
        account = users.find_user_by_email(session, args.email)
        if account is None:
            raise UsersCommandError(f"no account for {args.email!r}")
        secret = tokens.issue_token(session, account.id, "api", now=datetime.now(UTC))
    print(secret)
    print("send it as 'Authorization: Bearer <token>' to /api/me/...", file=sys.stderr)
    return 0


def cmd_users_list(args, services) -> int:
    """Accounts, oldest first (stderr table, or --json on stdout)."""
    _current(services)
    with services.sessions() as session:
        accounts = users.list_users(session)
    if args.json:
        rows = [
            {
                "id": a.id,
                "email": a.email,
                "admin": a.is_admin,
                "created_at": a.created_at.isoformat(),
            }
            for a in accounts
        ]
        print(json.dumps(rows))
        return 0
    if not accounts:
        print("no accounts yet: academichub users add EMAIL", file=sys.stderr)
    for a in accounts:
        role = "admin" if a.is_admin else "user"
        print(f"{a.id:>4}  {a.email:<40} {role:<6} {a.created_at:%Y-%m-%d}", file=sys.stderr)
    return 0


def cmd_users_remove(args, services) -> int:
    """Delete an account with its follows, library, tokens and personal briefings."""
    _current(services)
    with transaction(services.sessions) as session:
        if not users.remove_user(session, args.email):
            raise UsersCommandError(f"no account for {args.email!r}")
    print(f"removed {args.email.strip().lower()}", file=sys.stderr)
    return 0
