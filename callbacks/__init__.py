"""Dash callbacks, one module per page, imported here explicitly (registration is global)."""
from callbacks import (
    health,  # noqa: F401
    home,  # noqa: F401
    shell,  # noqa: F401
)

# isort: split
from callbacks import performance  # noqa: F401

# isort: split
from callbacks import outages  # noqa: F401

# isort: split
from callbacks import connection_points  # noqa: F401

# isort: split
from callbacks import limits  # noqa: F401

# isort: split
from callbacks import notices  # noqa: F401

# isort: split
from callbacks import conflicts  # noqa: F401

# isort: split
from callbacks import dispatch  # noqa: F401

# isort: split
from callbacks import accounts  # noqa: F401

# isort: split
from callbacks import profile  # noqa: F401

# isort: split
from callbacks import contributors  # noqa: F401

# isort: split
from callbacks import settlement  # noqa: F401

# isort: split
from callbacks import market  # noqa: F401

# isort: split
from callbacks import registry  # noqa: F401
