"""Dash callbacks, one module per page, imported here explicitly (registration is global)."""
from callbacks import (
    home,  # noqa: F401
    shell,  # noqa: F401
)
