"""Council drops: the contract, checking and loading a drop whole or not at all, uploads, the sample, freshness.

Modules:
- contract: the drop contract (files, columns, types, rules): docs/drop-contract.md.
- drop_files: reading a council's files safely into staging tables and checking them column by column.
- drops: checking a drop's rules and loading it into the warehouse as one new version.
- ssda903: a council's SSDA903 CSV files read and mapped to the children table, with the DfE's rules: docs/ssda903.md.
- uploads: a zip or folder uploaded on the Data drops page, unpacked safely.
- sample: the calibrated synthetic sample drops (`raa sample`).
- freshness: how old each council's data is, and the open warnings of current drops.
- coverage: which dates and councils the warehouse holds data for.
"""

__all__ = ['contract', 'coverage', 'drop_files', 'drops', 'freshness', 'sample', 'ssda903', 'uploads']
