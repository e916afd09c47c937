"""Council drops: the contract, checking and loading a drop whole or not at all, uploads, the sample, freshness.

Modules:
- contract: the drop contract (files, columns, types, rules): docs/drop-contract.md.
- parquet_footer: a Parquet file's footer judged in pure Python, and a native open in a child process with
  memory and time limits, before the service's own process reads the file (no file can end the process).
- drop_files: reading a council's files safely into staging tables and checking them column by column.
- drops: checking a drop's rules and loading it into the warehouse as one new version.
- ssda903: a council's SSDA903 CSV files read and mapped to the children table, with the DfE's rules: docs/ssda903.md.
- uploads: a zip or folder uploaded on the Data drops page, unpacked safely.
- sample: the calibrated synthetic sample drops (`raa sample`).
- freshness: how old each council's data is, and the open warnings of current drops.
- coverage: which dates and councils the warehouse holds data for.
"""

__all__ = ['contract', 'coverage', 'drop_files', 'drops', 'freshness', 'parquet_footer', 'sample', 'ssda903', 'uploads']
