"""Password hashing with Argon2id (argon2-cffi), and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults follow RFC 9106's second recommended option (64 MiB, 3 passes).
HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 8  # NIST SP 800-63B: at least 8, and no composition rules
MAX_PASSWORD_LENGTH = 1024
# A hash to verify against when the e-mail is unknown, so a miss costs as long as a wrong password.
_DECOY_HASH = HASHER.hash("not-a-password-anyone-has")


class PasswordError(ValueError):
    """A new password that does not meet the rules; the message says which."""


def check_new_password(password: str) -> str:
    """The password when it may be used; PasswordError otherwise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise PasswordError("the password must not be only spaces")
    return password


def hash_password(password: str) -> str:
    """An Argon2id hash of a password that met the rules."""
    return HASHER.hash(check_new_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; an unknown account (None) still spends the time of a check."""
    try:
        return HASHER.verify(password_hash or _DECOY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with weaker parameters than today's."""
    return HASHER.check_needs_rehash(password_hash)
