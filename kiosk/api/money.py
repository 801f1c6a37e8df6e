"""Amounts of money as patients read them, from the integer cents (fen) of the API.

One formatter for the kiosk's screens, the server's payment page and the printed tickets, so
an amount reads the same everywhere. It does integer arithmetic only: no float ever rounds a
price. Both the server and the kiosk import it, so it imports nothing of either.
"""

from __future__ import annotations

YUAN_SIGN = "¥"  # U+00A5: on screens and the payment page
FULL_WIDTH_YUAN_SIGN = "￥"  # U+FFE5: two printer columns, like the Chinese text around it


def format_money(cents: int, *, symbol: str = YUAN_SIGN, grouped: bool = True) -> str:
    """``¥1,234.50`` for 123450 cents: the symbol, a minus sign when negative, the yuan
    (thousands separated by commas when ``grouped``) and always two decimals."""
    sign = "-" if cents < 0 else ""
    yuan, fen = divmod(abs(cents), 100)
    whole = f"{yuan:,}" if grouped else str(yuan)
    return f"{symbol}{sign}{whole}.{fen:02d}"
