"""Publishing the records: the tables, the Frictionless data package and the SQLite database."""
