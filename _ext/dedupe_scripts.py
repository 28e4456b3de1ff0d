"""Drop repeated <script> entries from every page.

sphinx-thebe and sphinx-togglebutton register their inline configuration
scripts on Sphinx's ``env-before-read-docs`` event, which fires again when the
environment is read a second time (an incremental build, or a re-read that
sphinxcontrib-bibtex asks for). Each page then declares ``const THEBE_JS_URL``
twice, and the browser reports "Identifier 'THEBE_JS_URL' has already been
declared". Keeping the first of identical entries fixes it.
"""


def _key(script):
    attributes = getattr(script, "attributes", {}) or {}
    # an inline script's filename is None from one extension, "" from another
    return (getattr(script, "filename", str(script)) or "",
            tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # in place: handlers that run later (sphinx.ext.mathjax adds its script
    # here) append to this same list
    scripts[:] = unique


def setup(app):
    # early: html-page-context stops at the first handler that returns a value
    app.connect("html-page-context", _dedupe, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
