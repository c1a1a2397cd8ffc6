"""Real Ontario places (approximate coordinates) and the fictional LDCs serving them.

Each place gets a transformer station; the land sector keeps feeders out of the Great
Lakes and the border rivers (bearing in degrees clockwise from north, and the width of
the fan of directions that stay on land). Sectors were fitted to the shipped base map,
`assets/basemap/ontario.geojson`, so that no generated DER lands in a lake on screen.
"""
from __future__ import annotations

from dataclasses import dataclass

from data.domain.enums import IesoZone

Z = IesoZone
NW, NE, OTT, EAST, TOR = Z.NORTHWEST, Z.NORTHEAST, Z.OTTAWA, Z.EAST, Z.TORONTO
ESSA, BRUCE, SW, NIA, WEST = Z.ESSA, Z.BRUCE, Z.SOUTHWEST, Z.NIAGARA, Z.WEST

NORTHERN_ZONES = frozenset({NW, NE})


@dataclass(frozen=True)
class LdcSpec:
    code: str
    name: str
    domain: str
    host: str | None = None  # code of the host LDC for an embedded LDC


@dataclass(frozen=True)
class Place:
    name: str  # station name stem: "Leaside" -> "Leaside TS"
    code: str  # station code stem
    town: str  # for postal addresses
    lat: float
    lon: float
    zone: IesoZone
    ldc: str
    size: int  # 1 town/rural, 2 city, 3 large urban
    land_bearing: float = 0.0
    land_width: float = 360.0

    @property
    def rural(self) -> bool:
        return self.size == 1 or self.zone in NORTHERN_ZONES


HOST_LDC = "LSH"
EMBEDDED_LDCS = ("PCE", "SVH")

LDCS: tuple[LdcSpec, ...] = (
    LdcSpec("LSH", "Lakeshore Hydro Inc.", "lakeshorehydro.ca"),
    LdcSpec("PCE", "Port Credit Energy Corp.", "portcreditenergy.ca", host="LSH"),
    LdcSpec("SVH", "Streetsville Hydro Ltd.", "streetsvillehydro.ca", host="LSH"),
    LdcSpec("DSP", "Durham Shores Power", "durhamshorespower.ca"),
    LdcSpec("CVH", "Capital Valley Hydro", "capitalvalleyhydro.ca"),
    LdcSpec("LQU", "Limestone & Quinte Utilities", "lqutilities.ca"),
    LdcSpec("GLP", "Georgian Lakelands Power", "glpower.ca"),
    LdcSpec("BCU", "Bluewater Coast Utilities", "bluewatercoast.ca"),
    LdcSpec("GRE", "Grand River Energy", "grandriverenergy.ca"),
    LdcSpec("TVH", "Thames Valley Hydro", "thamesvalleyhydro.ca"),
    LdcSpec("EHY", "Escarpment Hydro", "escarpmenthydro.ca"),
    LdcSpec("NPP", "Niagara Peninsula Power", "niagarapower.ca"),
    LdcSpec("EKU", "Essex-Kent Utilities", "essexkent.ca"),
    LdcSpec("NSH", "Northern Shield Hydro", "northernshield.ca"),
    LdcSpec("SLP", "Superior Lakehead Power", "superiorlakehead.ca"),
)

# fmt: off
PLACES: tuple[Place, ...] = (
    # Toronto zone
    Place("Esplanade", "ESP", "Toronto", 43.6620, -79.3700, TOR, "LSH", 3, 335, 135),
    Place("Leaside", "LEA", "Toronto", 43.7050, -79.3640, TOR, "LSH", 3, 325, 185),
    Place("Finch", "FIN", "Toronto", 43.7790, -79.4400, TOR, "LSH", 3),
    Place("Scarborough", "SCB", "Toronto", 43.7750, -79.2580, TOR, "LSH", 3, 320, 210),
    Place("Etobicoke", "ETO", "Toronto", 43.6550, -79.5230, TOR, "LSH", 2, 325, 220),
    Place("Mississauga", "MIS", "Mississauga", 43.5890, -79.6440, TOR, "LSH", 3, 310, 245),
    Place("Brampton", "BRA", "Brampton", 43.7315, -79.7624, TOR, "LSH", 3),
    Place("Oakville", "OAK", "Oakville", 43.4675, -79.6877, TOR, "LSH", 2, 300, 180),
    Place("Port Credit", "PCR", "Mississauga", 43.5570, -79.5910, TOR, "PCE", 1, 305, 170),
    Place("Lakeview", "LKV", "Mississauga", 43.5880, -79.5600, TOR, "PCE", 1, 310, 180),
    Place("Streetsville", "STV", "Mississauga", 43.5830, -79.7120, TOR, "SVH", 1, 305, 240),
    Place("Oshawa", "OSH", "Oshawa", 43.9000, -78.8658, TOR, "DSP", 2, 345, 185),
    Place("Whitby", "WHI", "Whitby", 43.8975, -78.9429, TOR, "DSP", 2, 345, 205),
    Place("Pickering", "PIC", "Pickering", 43.8384, -79.0868, TOR, "DSP", 1, 330, 180),
    Place("Markham", "MKM", "Markham", 43.8561, -79.3370, TOR, "DSP", 2),
    # Ottawa zone
    Place("Lincoln Heights", "LIN", "Ottawa", 45.3660, -75.7830, OTT, "CVH", 3, 170, 245),
    Place("Hawthorne", "HAW", "Ottawa", 45.3900, -75.6040, OTT, "CVH", 3, 165, 255),
    Place("Kanata", "KAN", "Ottawa", 45.3088, -75.8987, OTT, "CVH", 2),
    Place("Orleans", "ORL", "Ottawa", 45.4600, -75.5150, OTT, "CVH", 2, 160, 180),
    Place("Arnprior", "ARN", "Arnprior", 45.4340, -76.3560, OTT, "CVH", 1, 190, 210),
    # East zone
    Place("Pembroke", "PEM", "Pembroke", 45.8200, -77.1110, EAST, "CVH", 1, 210, 180),
    Place("Kingston", "KIN", "Kingston", 44.2620, -76.5200, EAST, "LQU", 2, 345, 170),
    Place("Belleville", "BEL", "Belleville", 44.1700, -77.3832, EAST, "LQU", 2, 340, 160),
    Place("Peterborough", "PET", "Peterborough", 44.3091, -78.3197, EAST, "LQU", 2),
    Place("Cobourg", "COB", "Cobourg", 43.9850, -78.1680, EAST, "LQU", 1, 350, 180),
    Place("Brockville", "BRO", "Brockville", 44.6000, -75.6843, EAST, "LQU", 1, 315, 170),
    Place("Cornwall", "COR", "Cornwall", 45.0300, -74.7300, EAST, "LQU", 2, 345, 155),
    Place("Hawkesbury", "HKB", "Hawkesbury", 45.6000, -74.6050, EAST, "LQU", 1, 200, 160),
    # Essa zone
    Place("Barrie", "BAR", "Barrie", 44.3894, -79.6903, ESSA, "GLP", 2, 270, 260),
    Place("Orillia", "ORI", "Orillia", 44.6087, -79.4308, ESSA, "GLP", 1, 290, 160),
    Place("Collingwood", "COL", "Collingwood", 44.4950, -80.2169, ESSA, "GLP", 1, 195, 170),
    Place("Midland", "MID", "Midland", 44.7450, -79.8920, ESSA, "GLP", 1, 150, 110),
    Place("Huntsville", "HUN", "Huntsville", 45.3269, -79.2168, ESSA, "GLP", 1),
    Place("Bracebridge", "BRB", "Bracebridge", 45.0380, -79.3090, ESSA, "GLP", 1),
    Place("Parry Sound", "PAR", "Parry Sound", 45.3470, -80.0250, ESSA, "GLP", 1, 80, 210),
    # Bruce zone
    Place("Kincardine", "KCD", "Kincardine", 44.1770, -81.6250, BRUCE, "BCU", 1, 115, 170),
    Place("Port Elgin", "PEL", "Saugeen Shores", 44.4370, -81.3800, BRUCE, "BCU", 1, 130, 195),
    Place("Owen Sound", "OWS", "Owen Sound", 44.5650, -80.9430, BRUCE, "BCU", 1, 205, 290),
    Place("Hanover", "HAN", "Hanover", 44.1520, -81.0270, BRUCE, "BCU", 1),
    # Southwest zone
    Place("Kitchener", "KIT", "Kitchener", 43.4516, -80.4925, SW, "GRE", 3),
    Place("Waterloo", "WAT", "Waterloo", 43.4643, -80.5204, SW, "GRE", 2),
    Place("Guelph", "GUE", "Guelph", 43.5448, -80.2482, SW, "GRE", 2),
    Place("Cambridge", "CAM", "Cambridge", 43.3616, -80.3144, SW, "GRE", 2),
    Place("Brantford", "BRN", "Brantford", 43.1394, -80.2644, SW, "GRE", 2),
    Place("London", "LON", "London", 42.9849, -81.2453, SW, "TVH", 3),
    Place("Woodstock", "WDS", "Woodstock", 43.1306, -80.7467, SW, "TVH", 1),
    Place("Stratford", "STR", "Stratford", 43.3700, -80.9822, SW, "TVH", 1),
    Place("St. Thomas", "STT", "St. Thomas", 42.7780, -81.1750, SW, "TVH", 1, 0, 265),
    Place("Hamilton", "HAM", "Hamilton", 43.2400, -79.8711, SW, "EHY", 3, 200, 250),
    Place("Burlington", "BUR", "Burlington", 43.3400, -79.8100, SW, "EHY", 2, 280, 230),
    Place("Stoney Creek", "STC", "Hamilton", 43.2100, -79.7650, SW, "EHY", 1, 220, 230),
    # Niagara zone
    Place("St. Catharines", "SCA", "St. Catharines", 43.1500, -79.2469, NIA, "NPP", 2, 150, 265),
    Place("Niagara Falls", "NFA", "Niagara Falls", 43.0896, -79.1000, NIA, "NPP", 2, 260, 195),
    Place("Welland", "WEL", "Welland", 42.9922, -79.2483, NIA, "NPP", 1, 5, 270),
    Place("Grimsby", "GRI", "Grimsby", 43.1900, -79.5600, NIA, "NPP", 1, 190, 180),
    Place("Fort Erie", "FER", "Fort Erie", 42.9100, -78.9500, NIA, "NPP", 1, 290, 75),
    # West zone
    Place("Windsor", "WIN", "Windsor", 42.3000, -83.0200, WEST, "EKU", 3, 145, 135),
    Place("Leamington", "LEM", "Leamington", 42.0600, -82.5999, WEST, "EKU", 1, 345, 155),
    Place("Chatham", "CHA", "Chatham", 42.4048, -82.1910, WEST, "EKU", 2),
    Place("Sarnia", "SAR", "Sarnia", 42.9745, -82.3900, WEST, "EKU", 2, 120, 145),
    Place("Strathroy", "STH", "Strathroy", 42.9560, -81.6230, WEST, "EKU", 1),
    # Northeast zone
    Place("Sudbury", "SUD", "Sudbury", 46.4917, -80.9930, NE, "NSH", 2),
    Place("North Bay", "NBY", "North Bay", 46.3150, -79.4608, NE, "NSH", 2, 50, 210),
    Place("Timmins", "TIM", "Timmins", 48.4758, -81.3305, NE, "NSH", 1),
    Place("Sault Ste. Marie", "SSM", "Sault Ste. Marie", 46.5450, -84.3300, NE, "NSH", 2, 345, 155),
    Place("Elliot Lake", "ELL", "Elliot Lake", 46.3830, -82.6530, NE, "NSH", 1),
    Place("Kapuskasing", "KAP", "Kapuskasing", 49.4160, -82.4330, NE, "NSH", 1),
    # Northwest zone
    Place("Thunder Bay", "TBY", "Thunder Bay", 48.3909, -89.2600, NW, "SLP", 2, 290, 180),
    Place("Kenora", "KEN", "Kenora", 49.7750, -94.4600, NW, "SLP", 1, 50, 130),
    Place("Dryden", "DRY", "Dryden", 49.7830, -92.8370, NW, "SLP", 1),
    Place("Fort Frances", "FFR", "Fort Frances", 48.6150, -93.4000, NW, "SLP", 1, 300, 110),
    Place("Sioux Lookout", "SIO", "Sioux Lookout", 50.0970, -91.9200, NW, "SLP", 1),
    Place("Marathon", "MAR", "Marathon", 48.7300, -86.3790, NW, "SLP", 1, 50, 180),
)
# fmt: on

PLACES_BY_CODE = {p.code: p for p in PLACES}

STREETS = (
    "Maple", "Oak", "King", "Queen", "Main", "Church", "Victoria", "Elgin", "Wellington", "Dundas",
    "Bay", "Birch", "Cedar", "Pine", "Lakeshore", "Ontario", "Simcoe", "Huron", "Erie", "Brock",
    "Albert", "Water", "Mill", "Park", "Riverside", "Hillcrest", "Centennial", "Glenwood", "Willow",
    "Spruce", "Tecumseh", "Frontenac", "Algonquin", "Laurier", "Macdonald", "Talbot", "Baldwin",
)
URBAN_SUFFIXES = ("St", "Ave", "Rd", "Dr", "Cres", "Blvd", "Crt", "Way")
RURAL_ROADS = ("Concession {n}", "Sideroad {n}", "Line {n}", "County Rd {n}", "Hwy {n}")
COMMERCIAL_STREETS = (
    "Industrial Pkwy", "Commerce Dr", "Enterprise Rd", "Trade Valley Dr", "Innovation Dr",
    "Progress Ave", "Airport Rd", "Harbour St", "Technology Way", "Market St",
)
