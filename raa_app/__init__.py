"""The Streamlit app's shell (sidebar, the one Warehouse and AppState per process, downloads, page helpers).

Page scripts live in `pages/` and only lay out; everything they share lives here, outside `pages/`, so no
module of this package has a URL. Importing this package is the first thing app.py and every page do:
`legacy_pages.leave()` runs here, the one place Streamlit's legacy `pages/` folder mode is switched off.
"""

from raa_app import legacy_pages

legacy_pages.leave()
