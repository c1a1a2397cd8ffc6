"""Platform identifiers shared with IESO and LDC systems: one format each, never reused."""
from __future__ import annotations

import re

DER_PREFIX = "ON-DER-"
RESOURCE_PREFIX = "ON-RES-"
USER_PREFIX = "ON-USR-"

DER_ID_PATTERN = re.compile(r"^ON-DER-\d{7}$")


def der_platform_id(n: int) -> str:
    return f"{DER_PREFIX}{n:07d}"


def resource_code(n: int) -> str:
    return f"{RESOURCE_PREFIX}{n:05d}"


def user_public_id(n: int) -> str:
    return f"{USER_PREFIX}{n:06d}"


def parse_sequence(identifier: str, prefix: str) -> int:
    """The number inside an identifier, for allocating the next one."""
    if not identifier.startswith(prefix):
        raise ValueError(f"{identifier!r} does not start with {prefix!r}")
    return int(identifier[len(prefix):])
