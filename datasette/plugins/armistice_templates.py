"""Template variables for the project's Datasette pages: the dataset's citation at this version."""

from datasette import hookimpl


@hookimpl
def extra_template_vars(datasette):
    config = datasette.plugin_config("armistice") or {}
    return {"dataset_citation": config.get("citation", ""), "dataset_version": config.get("version", "")}
