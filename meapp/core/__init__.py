"""Pure helpers with no Flask and no database."""
