"""Ingest: one module per digest format, format detection, and the merge policy for existing files.

`pipeline.ingest_files` is the entry point; the modules follow the data: source (bytes to text),
detect (which parser), a parser per format, dates, links, cleanup, store (what content/ holds),
merge (what changes), transaction (how it is written: all or nothing, and recovery after a kill).
"""
