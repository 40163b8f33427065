"""People: departments, employees, the directory and the CSV import."""
