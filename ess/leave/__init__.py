"""Leave: types and rules (policies/leave.toml), working days, accrual, the ledger, requests."""
