"""Reading a submitted file into a checked ledger: the readers, a workbook's declared size, the header, the template's rules, and the fence a reader runs behind. Imports the domain only."""
