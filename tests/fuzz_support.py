"""How much fuzzing a run does: a useful amount in `make test`, many times more in `make fuzz`.

Fuzz tests are marked `@pytest.mark.fuzz` and take their example counts from `examples(n)`, so
`make fuzz` (DIGEST_FUZZ_FACTOR=50) runs the same properties with 50 times the examples, and kill loops
with 50 times the kill points.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FACTOR = max(1, int(os.environ.get("DIGEST_FUZZ_FACTOR", "1")))


def examples(count: int) -> int:
    """`count` in `make test`; FACTOR times it in `make fuzz`."""
    return count * FACTOR


def fuzz_settings(count: int) -> settings:
    """Hypothesis settings for a fuzz property: `examples(count)` examples, no per-example deadline
    (this machine is noisy; time bounds are asserted by the tests themselves), no database in CI."""
    return settings(
        max_examples=examples(count),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        database=None,
    )
