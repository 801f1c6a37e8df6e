"""Payment codes (付款码): what the patient's wallet app shows for the kiosk's scanner.

Shared by the kiosk (which refuses a malformed code before sending anything) and the reference
server (which simulates the charge), so both read a code the same way.

A payment code is 18 digits; its first two digits name the wallet, as the real ones do:
10–15 WeChat Pay, 25–30 Alipay, 62 UnionPay (云闪付). The reference server decides the charge
by the last four digits, so tests and demos can drive every outcome:

- ``…0051`` is declined (insufficient funds): nothing is charged, the payment fails;
- ``…0090`` is held: the payer must confirm on their phone (the simulated payment page's Pay
  or Decline decides it), and the kiosk polls until it is decided or gives up;
- any other valid code is charged at once.
"""

from __future__ import annotations

import re
from enum import StrEnum

PAYMENT_CODE_LENGTH = 18
DECLINED_SUFFIX = "0051"
HELD_SUFFIX = "0090"

_SHAPE = re.compile(rf"^\d{{{PAYMENT_CODE_LENGTH}}}$")


class Wallet(StrEnum):
    wechat = "wechat"
    alipay = "alipay"
    unionpay = "unionpay"


class ChargeOutcome(StrEnum):
    """What the simulated wallet does with a valid code."""

    charged = "charged"
    declined = "declined"
    held = "held"


def wallet_of(code: str) -> Wallet | None:
    """The wallet that issued ``code``, or None when it is not a payment code at all."""
    if not _SHAPE.match(code):
        return None
    prefix = int(code[:2])
    if 10 <= prefix <= 15:
        return Wallet.wechat
    if 25 <= prefix <= 30:
        return Wallet.alipay
    if prefix == 62:
        return Wallet.unionpay
    return None


def simulated_outcome(code: str) -> ChargeOutcome:
    """The reference server's deterministic answer to a valid code (see the module's rules)."""
    if code.endswith(DECLINED_SUFFIX):
        return ChargeOutcome.declined
    if code.endswith(HELD_SUFFIX):
        return ChargeOutcome.held
    return ChargeOutcome.charged


# One code of each outcome, for the demo, the walkthrough and tests.
EXAMPLE_CODES: dict[ChargeOutcome, str] = {
    ChargeOutcome.charged: "134567890123456789",  # WeChat Pay
    ChargeOutcome.declined: "281234567890120051",  # Alipay
    ChargeOutcome.held: "621234567890120090",  # UnionPay
}
