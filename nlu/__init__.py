"""What people mean: intents and slots from Spanish WhatsApp messages (Claude or offline rules).

The flows use:
- `build_understander(api_key=…, model=…, base_url=…, timeout_s=…)` → an `Understander`;
  `await understander.understand(text, NluContext(...))` → `Understanding` (intent + `Slots`).
- `Catalog` (`from_business_file`, `from_business_mapping`, `demo_catalog`), `Role`, `Intent`,
  `intents_for`, `Expecting`.
- `RuleEngine().read(text, context)` for a synchronous, offline reading.
"""

from nlu.catalog import Catalog, demo_catalog
from nlu.context import Expecting, NluContext
from nlu.engine import Understander, build_understander
from nlu.rules import RuleEngine
from nlu.stats import NluStats
from nlu.understanding import Intent, Role, Slots, Understanding, coerce_intent, intents_for

__all__ = [
    "Catalog", "Expecting", "Intent", "NluContext", "NluStats", "Role", "RuleEngine", "Slots",
    "Understander", "Understanding", "build_understander", "coerce_intent", "demo_catalog", "intents_for",
]
