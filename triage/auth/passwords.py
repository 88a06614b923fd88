"""Password hashing with argon2id (OWASP parameters) and a short deny-list of common ones."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from triage.errors import InvalidInput

_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# A dummy hash lets a login for an unknown user cost the same time as a real one.
_DUMMY = _HASHER.hash("không-phải-mật-khẩu-thật")

COMMON = frozenset({
    "123456", "12345678", "123456789", "1234567890", "password", "matkhau", "matkhau123",
    "matkhau@123", "admin123", "qwerty123", "abc12345", "11111111", "00000000", "iloveyou",
    "password1", "12341234", "88888888", "66668888", "anhyeuem", "hanoi123", "vietnam123",
})


# Said before a password is typed (pages, the command line), in the words of the checks.
RULES = ("Mật khẩu từ 8 đến 256 ký tự, không phải mật khẩu phổ biến "
         "(như 12345678, matkhau123).")


def check_strength(password: str) -> None:
    if len(password) < 8:
        raise InvalidInput("Mật khẩu cần ít nhất 8 ký tự.", code="weak_password")
    if len(password) > 256:
        raise InvalidInput("Mật khẩu dài quá 256 ký tự.", code="weak_password")
    if password.lower() in COMMON:
        raise InvalidInput("Mật khẩu quá phổ biến, hãy chọn mật khẩu khác.", code="weak_password")


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
