"""An example research-digest plugin: the `tsv-digest` format and a `stats/` page."""
