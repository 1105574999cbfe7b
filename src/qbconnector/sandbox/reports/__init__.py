"""Reports from the books: profit & loss, balance sheet, trial balance, inventory stock status,
and TransactionQuery's summary of transactions of every type."""
