"""Stage 3, the files beside the pages: Atom/RSS feeds, JSON/CSV exports with their schema, and
the DPA PDFs (`pdf_layout` draws, `pdf` assembles, `pdf_jobs` caches and renders them beside
the page build).
"""
