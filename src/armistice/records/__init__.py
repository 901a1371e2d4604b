"""The curated record files: loading, validating each against its model, layout, skeletons and their documentation."""
