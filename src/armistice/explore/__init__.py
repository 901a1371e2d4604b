"""Exploring the published dataset in Datasette."""
