"""Releasing the dataset: citations, the difference between versions, release history and the release itself."""
