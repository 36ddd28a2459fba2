"""What every number and text of the mall may be, so that every table, read model, cache and
total of every context can hold it. The API refuses anything past these (400, the field named
in `details`) before any event is stored, and the aggregates check them again, so no event a
consumer cannot store is ever published.

Money columns are decimal(9, 2) wherever an amount is kept (prices, payments, invoices, the
copies of orders), so the largest amount, and so the largest order total, is 9,999,999.99."""

from __future__ import annotations

from decimal import Decimal

# Money: prices, payment amounts, order totals, invoice amounts.
MONEY_MAX = Decimal("9999999.99")
MONEY_DIGITS = 9  # decimal(9, 2)
# A basket's or an order's line: at most this many of one product...
QUANTITY_MAX = 10_000
# ... and at most this many lines (products) in one basket, order or shopping list.
LINES_MAX = 100
# Texts: names (stores, locations, products, customers, bots, SKUs), descriptions, SMS numbers.
NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2_000
SMS_NUMBER_MAX_LENGTH = 32
# Ids are UUIDs (36 characters); columns keep 64.
ID_MAX_LENGTH = 64


def too_long(text: str, limit: int) -> bool:
    return len(text) > limit
