"""Stage 3, the files beside the pages: Atom/RSS feeds (`feeds`, `feed_headlines`), JSON/CSV
exports with their schema (`exports`), the service's `service.json` (`service_info`), the
map and timeline pictures (`location_map`, `change_pictures`), safe Markdown to HTML
(`markdown_render`) and the DPA PDFs (`pdf_layout` draws, `pdf_fonts` picks the fonts, `pdf`
assembles, `pdf_jobs` caches and renders them beside the page build).
"""
