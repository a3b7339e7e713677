"""`reporter serve DIR`: review a briefing in the browser (Starlette app, Jinja2 page, plain JS).

Modules: `page` (what the page shows, as data), `app` (routes and the security checks), `command`
(the click command: binding, opening the browser, Ctrl-C). Starlette and uvicorn are imported only
when the command runs, so `reporter --help` stays fast.
"""
