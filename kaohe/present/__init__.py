"""Presentation: the tables and texts of the pages (`views`), the charts, HTML and Excel (`render`)."""
