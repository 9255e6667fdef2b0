"""kaohe (考核): scoring, notification and simulation of the annual assessment of
Party-committee and government information work."""

__version__ = "0.1.0"
