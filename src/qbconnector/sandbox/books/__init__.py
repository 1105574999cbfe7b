"""The books: double-entry postings, account and name balances, inventory positions, and the
audit that checks a company file's books agree with themselves."""
