"""Word lists for sample companies: people, businesses, streets and Colorado towns.

The sample business sits on Colorado's Front Range, so its customers and vendors live in
towns there; every name is drawn from these lists with the sample's own ``random.Random``.
"""

from __future__ import annotations

import random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
    "Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
    "Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Dorothy "
    "Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma Stephen Brenda Larry "
    "Pamela Justin Nicole Scott Anna Brandon Samantha Benjamin Katherine Samuel Christine "
    "Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia "
    "Dennis Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria Nathan "
    "Joyce Henry Lauren Zachary Kelly Douglas Christina Peter Ruth Kyle Joan Noah Virginia "
    "Ethan Judith Jeremy Evelyn Walter Hannah Christian Andrea Keith Megan Roger Cheryl "
    "Terry Jacqueline Austin Madison Sean Teresa Gerald Abigail Carl Sophia Harold Martha "
    "Dylan Sara Arthur Gloria Lawrence Janice Jordan Kathryn Jesse Ann Bryan Isabella Billy "
    "Judy Bruce Charlotte Gabriel Julia Joe Grace Logan Amber Alan Alice Juan Jean Albert "
    "Denise Willie Frances Elijah Danielle Wayne Marilyn Randy Natalie Vincent Beverly "
    "Mason Diana Roy Brittany Ralph Theresa Bobby Kayla Russell Alexis Bradley Doris Philip "
    "Lori Eugene Tiffany")

LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales "
    "Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
    "Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington "
    "Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson "
    "Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes "
    "Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant "
    "Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley "
    "Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado "
    "Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis "
    "Carpenter Lawrence Sandoval")

COMPANY_FIRST = (
    "Aspen", "Summit", "Pikes Peak", "Front Range", "Evergreen", "Columbine", "Timberline",
    "Granite", "Cedar Ridge", "Blue Spruce", "Canyon", "Mesa", "Prairie", "Foothills", "Alpine",
    "Red Rocks", "Clear Creek", "High Plains", "Silver Basin", "Golden Eagle", "Bluebird",
    "Cottonwood", "Pinyon", "Juniper", "Sage", "Boulder", "Flatiron", "Arapahoe", "Platte",
    "Cherry Creek", "Bear Creek", "Elk Horn", "Lone Tree", "Wildflower", "Sunrise", "Sunset",
    "Mountain View", "Lakeside", "Riverbend", "Highland", "Northstar", "Keystone", "Crestone",
    "Longs Peak", "Copper Ridge", "Iron Horse", "Maroon Bells", "Pine Grove", "Quail Run",
    "Stonegate", "Westgate", "Eastside", "Centennial", "Pioneer", "Frontier", "Heritage",
    "Liberty", "Union", "Majestic", "Premier", "Superior", "Trinity", "Vista", "Horizon",
    "Meridian")

COMPANY_TRADES = (
    "Dental Group", "Property Management", "Realty", "Veterinary Clinic", "Family Medicine",
    "Law Office", "Accounting", "Bakery", "Coffee House", "Brewing Co.", "Auto Repair",
    "Fitness Center", "Yoga Studio", "Hardware", "Outfitters", "Bistro", "Pizza", "Grill",
    "Insurance Agency", "Montessori School", "Church", "HOA", "Apartments", "Townhomes",
    "Storage", "Car Wash", "Salon", "Florist", "Bookstore", "Animal Hospital", "Chiropractic",
    "Pharmacy", "Market", "Motel", "Inn", "Lodge", "Self Storage", "Senior Living",
    "Daycare", "Print Shop", "Cleaners", "Tire & Auto", "Credit Union", "Title Company",
    "Architects", "Engineering", "Tavern", "Taqueria", "Sushi Bar", "Ice Cream")

SUPPLIER_TRADES = (
    "Supply", "Distributors", "Wholesale", "Plumbing Supply", "Electric Supply",
    "HVAC Supply", "Building Materials", "Lumber", "Industrial Supply", "Parts Co.",
    "Equipment", "Trading Co.", "Sheet Metal", "Pipe & Valve", "Controls")

COMPANY_SUFFIXES = ("LLC", "Inc.", "Co.", "Ltd.", "Group", "")

STREETS = (
    "Main St", "Broadway", "Colfax Ave", "Pearl St", "Walnut St", "Canyon Blvd",
    "Arapahoe Ave", "Baseline Rd", "Table Mesa Dr", "28th St", "Folsom St", "Iris Ave",
    "Valmont Rd", "Jay Rd", "Foothills Pkwy", "Wadsworth Blvd", "Kipling St", "Federal Blvd",
    "Sheridan Blvd", "Alameda Ave", "Evans Ave", "Hampden Ave", "Belleview Ave", "Dry Creek Rd",
    "County Line Rd", "Mineral Ave", "Santa Fe Dr", "University Blvd", "Colorado Blvd",
    "Quebec St", "Havana St", "Parker Rd", "Smoky Hill Rd", "Quincy Ave", "Mississippi Ave",
    "Lincoln Ave", "Mountain Ave", "College Ave", "Prospect Rd", "Harmony Rd", "Drake Rd",
    "Horsetooth Rd", "Shields St", "Taft Hill Rd", "Mulberry St", "Vine Dr", "Garfield Ave",
    "Eisenhower Blvd", "Hover St", "Ken Pratt Blvd", "Pace St", "Sunset St", "Aspen Way",
    "Spruce Ct", "Juniper Ln", "Columbine Dr", "Elk Ridge Rd", "Bison Trl", "Meadow Ln",
    "Sagebrush Cir", "Pine Needle Way", "Ridge Rd", "Ponderosa Dr", "Cottonwood Ln")

# (town, ZIP codes, tax district); the district picks the sales tax group a customer pays.
TOWNS = (
    ("Boulder", ("80301", "80302", "80303", "80304", "80305"), "Boulder"),
    ("Louisville", ("80027",), "Boulder County"),
    ("Lafayette", ("80026",), "Boulder County"),
    ("Superior", ("80027",), "Boulder County"),
    ("Longmont", ("80501", "80503", "80504"), "Boulder County"),
    ("Niwot", ("80503",), "Boulder County"),
    ("Denver", ("80202", "80203", "80205", "80206", "80209", "80210", "80218", "80220"),
     "Denver"),
    ("Aurora", ("80010", "80012", "80013", "80014", "80015"), "Metro"),
    ("Lakewood", ("80214", "80215", "80226", "80227", "80228"), "Metro"),
    ("Arvada", ("80002", "80003", "80004", "80005"), "Metro"),
    ("Westminster", ("80020", "80021", "80030", "80031"), "Metro"),
    ("Broomfield", ("80020", "80023"), "Metro"),
    ("Thornton", ("80229", "80233", "80241"), "Metro"),
    ("Englewood", ("80110", "80111", "80112", "80113"), "Metro"),
    ("Littleton", ("80120", "80121", "80122", "80123"), "Metro"),
    ("Golden", ("80401", "80403"), "Metro"),
    ("Fort Collins", ("80521", "80524", "80525", "80526"), "Northern"),
    ("Loveland", ("80537", "80538"), "Northern"),
    ("Greeley", ("80631", "80634"), "Northern"),
    ("Erie", ("80516",), "Northern"),
)

JOB_NAMES = ("Kitchen Remodel", "Basement Finish", "Furnace Replacement", "AC Install",
             "Water Heater", "Bathroom Remodel", "Boiler Service", "Rooftop Units",
             "Tenant Finish", "Annual Maintenance", "Panel Upgrade", "Addition",
             "Office Build-out", "Duct Cleaning", "Radiant Floor", "Sprinkler Repair",
             "Main Building", "Warehouse", "Unit 101", "Unit 204", "Phase 1", "Phase 2",
             "Clubhouse", "Pool House", "Garage", "Second Floor", "Lobby", "Retail Space")

MEMOS = ("Thank you!", "Per estimate", "Service call", "Warranty work excluded",
         "Parts and labor", "See attached work order", "Annual service agreement",
         "Emergency call-out", "Customer supplied parts", "Follow-up visit")


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def business(rng: random.Random, trades: tuple[str, ...] = COMPANY_TRADES) -> str:
    words = rng.choice(COMPANY_FIRST)
    suffix = rng.choice(COMPANY_SUFFIXES)
    return " ".join(p for p in (words, rng.choice(trades), suffix) if p)


def address(rng: random.Random, town: tuple[str, tuple[str, ...], str] | None = None
            ) -> dict[str, str]:
    name, zips, _ = town or rng.choice(TOWNS)
    return {"Addr1": f"{rng.randint(100, 19999)} {rng.choice(STREETS)}", "City": name,
            "State": "CO", "PostalCode": rng.choice(zips), "Country": "USA"}


def phone(rng: random.Random) -> str:
    area = rng.choice(("303", "720", "970"))
    return f"({area}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def email_for(name: str, domain: str) -> str:
    local = "".join(ch for ch in name.lower().replace(" ", ".") if ch.isalnum() or ch == ".")
    return f"{local.strip('.')[:30]}@{domain}"


class UniqueNames:
    """Names unique across customers, vendors, employees and other names (one name space
    in QuickBooks), case-insensitively."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, candidate: str, rng: random.Random, limit: int = 41) -> str:
        name = candidate[:limit]
        number = 2
        while name.lower() in self.used:
            tail = f" {number}" if number < 10 else f" {rng.randint(10, 9999)}"
            name = candidate[: limit - len(tail)] + tail
            number += 1
        self.used.add(name.lower())
        return name
