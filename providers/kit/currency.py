"""ISO 4217 currency codes and how many decimals their minor unit has.

Services that bill in several currencies send amounts in minor units (cents, pence, yen):
turning those into an amount needs the currency's own exponent, and an amount is never
converted into another currency.
"""

from __future__ import annotations

import re
from typing import Any

# ISO 4217's list of currencies whose minor unit is not a hundredth. Every other code has two
# decimals (USD, EUR, GBP, CNY, …).
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
_CODE = re.compile(r"[A-Za-z]{3}")


def currency_code(value: Any) -> str | None:
    """'eur' → 'EUR'; None for anything that is no three-letter code (null, blank, '€')."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text.upper() if _CODE.fullmatch(text) else None


def minor_exponent(code: str) -> int:
    """Decimals of the code's minor unit: 2 for most, 0 for JPY and KRW, 3 for KWD."""
    return _EXPONENTS.get(code.upper(), 2)
