"""The ledger: the office's workbook read (`read`), checked, and its names resolved (`names`) into
the clean tables of `model`."""
