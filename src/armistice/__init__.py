"""Korean Armistice Telegrams: curated records, their validation and publication."""

__version__ = "0.1.0"
