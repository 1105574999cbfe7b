"""Banking and general ledger: journal entries, deposits, transfers, sales tax payments,
refunds, time tracking and vehicle mileage.

(Being written: see the sandbox issue.)
"""
