"""Per-type business rules layered on the generic list and transaction machinery.

Importing this package registers every type's rules with :mod:`qbconnector.sandbox.records.hooks`,
where the generic machinery finds them.
"""

from qbconnector.sandbox.rules import (  # noqa: F401  (each module registers its types)
    banking,
    bill_payments,
    inventory,
    lists,
    purchases,
    refunds,
    sales,
    time_and_mileage,
    transactions,
)
