"""The demo mall: fixed lists, so every run (and every machine) seeds the same names, SKUs and
prices, and `--stores N` / `--customers N` take the first N of each list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoProduct:
    name: str
    description: str
    sku: str
    price: Decimal


@dataclass(frozen=True)
class DemoStore:
    name: str
    location: str
    products: tuple[DemoProduct, ...]


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    sms_number: str


def _product(name: str, description: str, sku: str, price: str) -> DemoProduct:
    return DemoProduct(name, description, sku, Decimal(price))


STORES: tuple[DemoStore, ...] = (
    DemoStore(
        "Nic & Naks",
        "Level 1, by the fountain",
        (
            _product("Wizard w/ crystal", "Pewter wizard holding a quartz crystal", "NN-WIZ-001", "24.99"),
            _product("Dragon figurine", "Hand-painted resin dragon, 12 cm", "NN-DRG-002", "19.50"),
            _product("Crystal ball", "Glass crystal ball on a brass stand", "NN-CRB-003", "34.00"),
            _product("Fairy night light", "Fairy silhouette lamp, warm LED", "NN-FNL-004", "15.75"),
            _product("Pewter chess set", "Medieval chess set with a folding board", "NN-CHS-005", "89.00"),
        ),
    ),
    DemoStore(
        "The Bookworm",
        "Level 1, east wing",
        (
            _product("Paperback mystery", "A locked-room mystery, paperback", "BW-PBM-101", "9.99"),
            _product("World atlas", "Hardcover atlas, 2024 edition", "BW-ATL-102", "39.95"),
            _product("Cookbook: One Pot", "Weeknight one-pot recipes", "BW-CKB-103", "22.00"),
            _product("Bookmark set", "Six leather bookmarks", "BW-BKM-104", "7.50"),
            _product("Reading light", "Clip-on rechargeable reading light", "BW-RLT-105", "14.25"),
            _product("Notebook A5", "Dotted A5 notebook, 160 pages", "BW-NTB-106", "11.00"),
        ),
    ),
    DemoStore(
        "Gadget Garage",
        "Level 2, next to the food court",
        (
            _product("USB-C charger 65W", "Two-port GaN charger", "GG-CHG-201", "39.99"),
            _product("Wireless earbuds", "Noise-cancelling earbuds with case", "GG-EBD-202", "79.00"),
            _product("Phone case", "Shock-absorbing clear case", "GG-PCS-203", "17.49"),
            _product("Power bank 10000mAh", "Slim power bank, USB-C in and out", "GG-PWB-204", "29.90"),
            _product("HDMI cable 2 m", "High-speed HDMI 2.1 cable", "GG-HDM-205", "12.99"),
            _product("Smart plug", "Wi-Fi smart plug with energy meter", "GG-SPL-206", "19.99"),
            _product("Bluetooth speaker", "Waterproof pocket speaker", "GG-BTS-207", "45.00"),
            _product("Screen protector", "Tempered glass, two-pack", "GG-SCP-208", "9.99"),
        ),
    ),
    DemoStore(
        "Bean There",
        "Level 1, main entrance",
        (
            _product("Espresso beans 250 g", "Dark roast, whole beans", "BT-ESP-301", "8.90"),
            _product("Filter coffee 500 g", "Medium roast, ground for filter", "BT-FLT-302", "12.40"),
            _product("Ceramic mug", "Hand-glazed 300 ml mug", "BT-MUG-303", "14.00"),
            _product("Travel cup", "Insulated travel cup, 350 ml", "BT-TRV-304", "21.50"),
        ),
    ),
    DemoStore(
        "Threads & Co.",
        "Level 2, west wing",
        (
            _product("Wool scarf", "Merino wool scarf, charcoal", "TC-SCF-401", "35.00"),
            _product("Cotton T-shirt", "Organic cotton crew neck, navy", "TC-TSH-402", "18.00"),
            _product("Denim jacket", "Classic fit denim jacket", "TC-DNJ-403", "69.95"),
            _product("Knit beanie", "Ribbed knit beanie, mustard", "TC-BNE-404", "16.50"),
            _product("Canvas tote", "Heavy canvas tote bag", "TC-TOT-405", "12.00"),
        ),
    ),
    DemoStore(
        "Green Thumb",
        "Level 3, atrium",
        (
            _product("Succulent trio", "Three succulents in clay pots", "GT-SUC-501", "18.90"),
            _product("Watering can", "Galvanised 2 l watering can", "GT-WCN-502", "15.00"),
            _product("Herb seed kit", "Basil, parsley and chives", "GT-HRB-503", "9.50"),
            _product("Pruning shears", "Bypass pruning shears", "GT-PRN-504", "24.00"),
        ),
    ),
    DemoStore(
        "Toy Chest",
        "Level 2, north corridor",
        (
            _product("Building blocks", "120-piece wooden block set", "TY-BLK-601", "29.99"),
            _product("Plush bear", "Soft plush bear, 30 cm", "TY-PLB-602", "19.00"),
            _product("Puzzle 1000", "1000-piece landscape puzzle", "TY-PZL-603", "16.95"),
            _product("Kite", "Single-line diamond kite", "TY-KIT-604", "13.50"),
            _product("Card game", "Family card game for 2-6 players", "TY-CRD-605", "11.99"),
        ),
    ),
    DemoStore(
        "Sweet Tooth",
        "Level 1, south court",
        (
            _product("Chocolate truffles", "Box of 12 assorted truffles", "ST-TRF-701", "15.90"),
            _product("Gummy bears 500 g", "Fruit gummy bears", "ST-GUM-702", "6.50"),
            _product("Salted caramels", "Butter caramels with sea salt", "ST-CAR-703", "8.75"),
            _product("Candy canes", "Peppermint candy canes, ten", "ST-CNE-704", "4.99"),
        ),
    ),
)

CUSTOMERS: tuple[DemoCustomer, ...] = tuple(
    DemoCustomer(name, f"555-010-{number:04d}")
    for number, name in enumerate(
        (
            "Ada Lovelace",
            "Alan Turing",
            "Grace Hopper",
            "Edsger Dijkstra",
            "Barbara Liskov",
            "Donald Knuth",
            "Margaret Hamilton",
            "Ken Thompson",
            "Frances Allen",
            "John Backus",
            "Radia Perlman",
            "Dennis Ritchie",
            "Hedy Lamarr",
            "Niklaus Wirth",
            "Katherine Johnson",
            "Tony Hoare",
        ),
        start=1,
    )
)

BOTS: tuple[str, ...] = ("Robo-1", "Robo-2", "Robo-3")

# Each customer's authorized payment: above any basket the demo catalog makes likely.
PAYMENT_AMOUNT = Decimal("500.00")

DEFAULT_STORES = 5
DEFAULT_CUSTOMERS = 10


# Stable keys of SeedRecord: a rename in the lists above makes a new entity, on purpose.
def store_key(store: DemoStore) -> str:
    return f"store:{store.name}"


def product_key(store: DemoStore, product: DemoProduct) -> str:
    return f"product:{store.name}:{product.name}"


def customer_key(customer: DemoCustomer) -> str:
    return f"customer:{customer.name}"


def payment_key(customer: DemoCustomer) -> str:
    return f"payment:{customer.name}"


def bot_key(name: str) -> str:
    return f"bot:{name}"


CUSTOMER_KEY_PREFIX = "customer:"
