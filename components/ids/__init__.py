"""Every component ID, one module per page with one class (values prefixed with the page name, kebab-case);
pattern-matching ID factories. `from components.ids import Home` reads them all from here: a new page adds a
module to this package and exports its class below."""
from __future__ import annotations

from components.ids.accounts import Accounts
from components.ids.conflicts import Conflicts
from components.ids.connection_points import ConnectionPoints
from components.ids.contributors import Contributors
from components.ids.dispatch import Dispatch
from components.ids.health import Health
from components.ids.home import Home
from components.ids.limits import Limits
from components.ids.market import Market
from components.ids.notices import Notices
from components.ids.outages import Outages
from components.ids.performance import Performance
from components.ids.profile import Profile
from components.ids.registry import Registry
from components.ids.settlement import Settlement
from components.ids.shell import Login, Shell, nav_link

__all__ = [
    "Accounts",
    "Conflicts",
    "ConnectionPoints",
    "Contributors",
    "Dispatch",
    "Health",
    "Home",
    "Limits",
    "Login",
    "Market",
    "Notices",
    "Outages",
    "Performance",
    "Profile",
    "Registry",
    "Settlement",
    "Shell",
    "nav_link",
]
