"""The audit trail every area writes to: `record` in the same transaction as the change."""
