"""Who is in the demo: market organisations, aggregators, DER owners, programs and people.

All organisations are fictional apart from the IESO; places are real.
"""
from __future__ import annotations

from dataclasses import dataclass

from data.domain.enums import IesoZone, Market, Role, Technology

Z = IesoZone
PV, BAT, EV = Technology.SOLAR_PV, Technology.BATTERY, Technology.EV_CHARGER
FLEX, WIND, CHP, HYDRO = Technology.FLEXIBLE_LOAD, Technology.WIND, Technology.GAS_CHP, Technology.HYDRO


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    domain: str


IESO = OrgSpec("IESO", "Independent Electricity System Operator", "ieso.ca")
PLATFORM = OrgSpec("TDCP", "T-D Coordination Platform Operations", "tdplatform.ca")
TRANSMITTER = OrgSpec("HONI-TX", "Hydro One Networks – Transmission", "hydroone-tx.ca")


@dataclass(frozen=True)
class AggregatorSpec:
    code: str
    name: str
    domain: str
    zones: tuple[IesoZone, ...]
    weight: float  # market share where it operates


ALL_ZONES = tuple(IesoZone)
DEMO_AGGREGATOR = "GRIDPULSE"

AGGREGATORS: tuple[AggregatorSpec, ...] = (
    AggregatorSpec("MAPLEDR", "Maple Leaf Demand Response Inc.", "mapleleafdr.ca", ALL_ZONES, 1.6),
    AggregatorSpec(
        DEMO_AGGREGATOR, "GridPulse Energy Services", "gridpulse.ca",
        (Z.TORONTO, Z.ESSA, Z.SOUTHWEST, Z.NIAGARA, Z.OTTAWA), 1.0,
    ),
    AggregatorSpec(
        "NORTHFLEX", "Northern Flex Energy", "northernflex.ca",
        (Z.NORTHEAST, Z.NORTHWEST, Z.ESSA, Z.EAST), 1.0,
    ),
    AggregatorSpec(
        "PEAKSHIFT", "Peak Shift Power Ltd.", "peakshift.ca",
        (Z.TORONTO, Z.SOUTHWEST, Z.WEST, Z.NIAGARA, Z.BRUCE), 0.8,
    ),
    AggregatorSpec("OVVPP", "Ottawa Valley Virtual Power", "ovvpp.ca", (Z.OTTAWA, Z.EAST), 0.7),
)


@dataclass(frozen=True)
class TechOption:
    technology: Technology
    weight: float
    min_kw: float
    max_kw: float
    storage_hours: float = 0.0  # batteries: energy = capacity x hours


# Commercial portfolios by kind of owner (kW ranges from the brief: PV 50 kW-2 MW, EV 7-350 kW, ...).
ARCHETYPES: dict[str, tuple[TechOption, ...]] = {
    "warehouse": (
        TechOption(PV, 4, 100, 1500), TechOption(BAT, 1, 250, 2000, 2), TechOption(EV, 2, 50, 350),
        TechOption(FLEX, 2, 200, 2000),
    ),
    "greenhouse": (
        TechOption(PV, 1, 100, 800), TechOption(FLEX, 3, 300, 3000), TechOption(CHP, 2, 500, 4000),
        TechOption(BAT, 1, 200, 1000, 2),
    ),
    "farm": (
        TechOption(PV, 4, 50, 500), TechOption(FLEX, 2, 100, 800), TechOption(BAT, 1, 100, 500, 2),
        TechOption(WIND, 0.3, 500, 2000),
    ),
    "school": (
        TechOption(PV, 4, 50, 400), TechOption(BAT, 2, 100, 500, 2), TechOption(EV, 2, 19, 150),
        TechOption(FLEX, 1, 100, 600),
    ),
    "municipal": (
        TechOption(PV, 3, 50, 1000), TechOption(EV, 3, 7, 150), TechOption(FLEX, 2, 100, 2500),
        TechOption(BAT, 1, 100, 1000, 2), TechOption(HYDRO, 0.5, 200, 2000),
    ),
    "hospital": (
        TechOption(CHP, 2, 500, 5000), TechOption(PV, 1, 100, 600), TechOption(BAT, 1, 250, 2000, 2),
        TechOption(FLEX, 2, 200, 1500),
    ),
    "campus": (
        TechOption(CHP, 2, 1000, 6000), TechOption(PV, 2, 100, 1000), TechOption(BAT, 1, 250, 2000, 2),
        TechOption(EV, 1, 7, 150), TechOption(FLEX, 2, 200, 2000),
    ),
    "industrial": (
        TechOption(FLEX, 4, 500, 3000), TechOption(CHP, 1, 1000, 8000), TechOption(BAT, 1, 500, 2000, 2),
        TechOption(PV, 1, 200, 2000),
    ),
    "retail": (
        TechOption(PV, 3, 100, 1000), TechOption(EV, 3, 50, 350), TechOption(FLEX, 2, 100, 800),
        TechOption(BAT, 1, 100, 500, 2),
    ),
    "developer": (
        TechOption(PV, 3, 500, 2000), TechOption(WIND, 2, 500, 5000), TechOption(HYDRO, 2, 200, 5000),
        TechOption(BAT, 1, 1000, 5000, 4),
    ),
}

# Units of 10 MW or more (each needs the over-10 MW connection assessment).
LARGE_UNITS: tuple[TechOption, ...] = (
    TechOption(PV, 3, 10_000, 20_000), TechOption(WIND, 2, 10_000, 20_000),
    TechOption(BAT, 2, 10_000, 25_000, 4), TechOption(CHP, 1, 10_000, 15_000),
    TechOption(HYDRO, 1, 10_000, 12_000),
)

RESIDENTIAL: tuple[TechOption, ...] = (
    TechOption(PV, 70, 3, 15), TechOption(BAT, 15, 5, 13), TechOption(EV, 15, 7, 11.5),
)


@dataclass(frozen=True)
class OwnerSpec:
    code: str
    name: str
    short: str
    archetype: str
    homes: tuple[str, ...]  # place codes where its sites are
    weight: float = 1.0


DEMO_OWNER = "MVLP"

# fmt: off
OWNERS: tuple[OwnerSpec, ...] = (
    OwnerSpec(DEMO_OWNER, "Meadowvale Logistics Park Inc.", "Meadowvale Logistics", "warehouse",
              ("MIS", "BRA")),
    OwnerSpec("HLGH", "Holland Landing Greenhouses Ltd.", "Holland Landing", "greenhouse", ("BAR", "ORI")),
    OwnerSpec("LVGH", "Leamington Valley Greenhouses", "Leamington Valley", "greenhouse",
              ("LEM", "WIN", "CHA"), 2),
    OwnerSpec("NOGC", "Niagara Orchard Growers Co-op", "Niagara Orchards", "farm", ("GRI", "SCA", "WEL")),
    OwnerSpec("HPDF", "Huron-Perth Dairy Farms", "Huron-Perth Dairy", "farm", ("STR", "KCD", "HAN")),
    OwnerSpec("SSDSB", "Simcoe Shores District School Board", "SSDSB", "school",
              ("BAR", "ORI", "COL", "MID")),
    OwnerSpec("GVCSB", "Grand Valley Catholic School Board", "GVCSB", "school", ("KIT", "WAT", "CAM", "GUE")),
    OwnerSpec("CRSB", "Capital Region School Board", "CRSB", "school", ("LIN", "HAW", "KAN", "ORL"), 1.5),
    OwnerSpec("LCS", "Lakeshore Cold Storage Ltd.", "Lakeshore Cold Storage", "warehouse",
              ("ETO", "MIS", "OAK")),
    OwnerSpec("H401", "Highway 401 Distribution Centres", "401 Distribution", "warehouse",
              ("CAM", "WDS", "LON")),
    OwnerSpec("KINGSTON", "City of Kingston – Municipal Facilities", "City of Kingston", "municipal",
              ("KIN",)),
    OwnerSpec("GUELPHWTR", "City of Guelph – Water Services", "Guelph Water", "municipal", ("GUE",)),
    OwnerSpec("SUDBURY", "City of Greater Sudbury – Facilities", "Greater Sudbury", "municipal", ("SUD",)),
    OwnerSpec("TBAY", "City of Thunder Bay – Facilities", "Thunder Bay", "municipal", ("TBY",)),
    OwnerSpec("CKENT", "Municipality of Chatham-Kent", "Chatham-Kent", "municipal", ("CHA",)),
    OwnerSpec("HUNTSVL", "Town of Huntsville", "Huntsville", "municipal", ("HUN", "BRB")),
    OwnerSpec("QHP", "Quinte Health Partners", "Quinte Health", "hospital", ("BEL", "COB")),
    OwnerSpec("OVRH", "Ottawa Valley Regional Hospital", "OV Regional Hospital", "hospital", ("PEM", "ARN")),
    OwnerSpec("NSCOL", "North Shore College", "North Shore College", "campus", ("TBY", "SSM")),
    OwnerSpec("FCU", "Forest City University", "Forest City University", "campus", ("LON",)),
    OwnerSpec("GHSTEEL", "Golden Horseshoe Steel Ltd.", "Golden Horseshoe Steel", "industrial",
              ("HAM", "STC"), 1.5),
    OwnerSpec("SCVP", "St. Clair Valley Polymers", "St. Clair Polymers", "industrial", ("SAR",)),
    OwnerSpec("NPPC", "Northern Pulp & Paper Co.", "Northern Pulp & Paper", "industrial",
              ("KAP", "TIM", "DRY")),
    OwnerSpec("SEAWAY", "Seaway Paper Mill Inc.", "Seaway Paper", "industrial", ("COR", "HKB", "BRO")),
    OwnerSpec("TIMBER", "Timberline Lumber Ltd.", "Timberline Lumber", "industrial", ("KEN", "SIO", "FFR")),
    OwnerSpec("WDCC", "Waterloo Data Centre Co.", "Waterloo Data Centre", "industrial", ("WAT", "KIT")),
    OwnerSpec("METRO", "Metro Plaza REIT", "Metro Plaza", "retail", ("LEA", "FIN", "SCB", "ESP"), 2),
    OwnerSpec("RIDEAU", "Rideau Retail Properties", "Rideau Retail", "retail", ("HAW", "KAN", "ORL")),
    OwnerSpec("DFLEET", "Durham Fleet Depot Inc.", "Durham Fleet", "warehouse", ("OSH", "WHI", "PIC", "MKM")),
    OwnerSpec("BSWIND", "Bruce Shore Wind LP", "Bruce Shore Wind", "developer", ("KCD", "PEL", "OWS")),
    OwnerSpec("KSOLAR", "Kawartha Solar Farms LP", "Kawartha Solar", "developer", ("PET", "COB", "BEL")),
    OwnerSpec("MRHYDRO", "Muskoka River Hydro Co.", "Muskoka River Hydro", "developer",
              ("BRB", "HUN", "PAR")),
    OwnerSpec("ESSEXSUN", "Essex Sun Energy LP", "Essex Sun", "developer", ("LEM", "CHA", "STH")),
    OwnerSpec("NLREN", "Northern Lights Renewables", "Northern Lights", "developer",
              ("SUD", "SSM", "ELL", "MAR")),
)
# fmt: on

@dataclass(frozen=True)
class ProgramSpec:
    code: str
    name: str
    operator: str  # org code (IESO or an LDC)
    market: Market
    service_type: str
    baseline_method: str  # a preset name of DOMAIN.md's M&V table


IESO_PROGRAMS = ("IESO-CA-DR", "IESO-HDR")
PROGRAMS: tuple[ProgramSpec, ...] = (
    ProgramSpec("IESO-CA-DR", "IESO Capacity Auction – Demand Response", "IESO", Market.DAM, "capacity",
                "CAISO 10-in-10"),
    ProgramSpec("IESO-HDR", "IESO Hourly Demand Response", "IESO", Market.REAL_TIME, "energy",
                "PJM High 4 of 5"),
    ProgramSpec("LSH-FLEX", "Lakeshore Local Flexibility Market", "LSH", Market.DISTRIBUTION,
                "peak_reduction", "NYISO 5 of 10"),
    ProgramSpec("GRE-NWA", "Grand River Non-Wires Alternative", "GRE", Market.DISTRIBUTION,
                "capacity_deferral", "CAISO 10-in-10"),
    ProgramSpec("CVH-PEAK", "Capital Valley Summer Peak Flexibility", "CVH", Market.DISTRIBUTION,
                "peak_reduction", "PJM High 4 of 5"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    org: str  # organisation code
    display_name: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMIN, PLATFORM.code, "Priya Raman"),
    DemoUser("ieso", Role.TSO_OPERATOR, IESO.code, "Daniel Okafor"),
    DemoUser("ldc", Role.DSO_OPERATOR, "LSH", "Marie-Claude Tremblay"),
    DemoUser("ldc-embedded", Role.DSO_OPERATOR, "PCE", "Jason Whitfield"),
    DemoUser("aggregator", Role.AGGREGATOR, DEMO_AGGREGATOR, "Aisha Mohamed"),
    DemoUser("owner", Role.DER_OWNER, DEMO_OWNER, "Greg Kowalski"),
    DemoUser("manager", Role.MANAGER, DEMO_AGGREGATOR, "Linda Nguyen"),
)
DEMO_USERNAMES: tuple[str, ...] = tuple(u.username for u in DEMO_USERS)

FIRST_NAMES = (
    "Sarah", "Michael", "Jennifer", "David", "Emily", "Ryan", "Amanda", "Kevin", "Jessica", "Mark", "Nicole",
    "Andrew", "Harpreet", "Wei", "Fatima", "Luc", "Sophie", "Raj", "Olivia", "Tyler", "Mei", "Omar",
    "Chantal", "Brandon", "Anika", "Patrick", "Gurpreet", "Isabelle", "Dylan", "Naomi",
)
LAST_NAMES = (
    "Smith", "Brown", "Tremblay", "Martin", "Roy", "Wilson", "MacDonald", "Gagnon", "Johnson", "Taylor",
    "Campbell", "Anderson", "Leblanc", "Lee", "Singh", "Chen", "Patel", "Wong", "Gill", "Nguyen", "Kaur",
    "Morrison", "Fraser", "Bouchard", "Ali", "Khan", "Stewart", "Côté", "Kim", "Murphy",
)
