"""The engine: (ledger, rules) → score lines → totals → outcomes, one clause at a time."""
