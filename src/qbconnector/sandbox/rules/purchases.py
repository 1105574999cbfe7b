"""Purchases and inventory: purchase orders, item receipts, bills, vendor credits, bill
payments, checks, credit card charges/credits, inventory adjustments, assemblies, transfers.

(Being written: see the sandbox issue.)
"""
