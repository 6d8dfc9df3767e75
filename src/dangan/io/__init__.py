"""Input/output: readers of the spreadsheets people bring (catalogues, volume lists)."""
