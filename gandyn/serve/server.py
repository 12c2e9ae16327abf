"""The Bokeh server of ``gandyn serve``: the page at ``/`` and the export routes.

Bokeh's server (tornado) is embedded rather than run by ``bokeh serve`` so that the CLI owns
the address, the port and the errors; ``/export.json`` and ``/export.png`` are plain tornado
handlers next to the page, stateless: they read the settings from their query string.
"""

from __future__ import annotations





def _handlers():
    from tornado.web import RequestHandler

    class Export(RequestHandler):
        kind = "json"

        async def get(self):
            from tornado.ioloop import IOLoop

            from gandyn.explore import lab, lab_games
            from gandyn.serve.app import EXECUTOR
            from gandyn.serve import export
            from gandyn.serve import state as S

            args = {k: [v.decode("utf-8", "replace") for v in vs]
                    for k, vs in self.request.arguments.items()}
            s, errors = S.from_query(args, lab_games(), strict=True)
            try:
                if errors:
                    raise ValueError("; ".join(errors))
                if s["loss"] != "triple" and not s["loss"].startswith("dirac:"):
                    s["reg"] = "none"
                # off the event loop, queued with the pages' computations
                d = await IOLoop.current().run_in_executor(EXECUTOR, lambda: lab(**s))
                body = await IOLoop.current().run_in_executor(
                    EXECUTOR, export.to_json if self.kind == "json" else export.to_png, d)
            except ValueError as e:
                self.set_status(400)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish(f"error: {' '.join(str(e).split())}\n")
                return
            self.set_header("Content-Type",
                            "application/json" if self.kind == "json" else "image/png")
            self.finish(body)

    class ExportPNG(Export):
        kind = "png"

    return [(r"/export\.json", Export), (r"/export\.png", ExportPNG)]


def make_server(host: str = "127.0.0.1", port: int = 5006):
    """A started-not-running Bokeh ``Server`` (call ``server.io_loop.start()``)."""
    from bokeh.application import Application
    from bokeh.application.handlers.function import FunctionHandler
    from bokeh.server.server import Server

    from gandyn.serve.app import make_document

    origins = [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    server = Server({"/": Application(FunctionHandler(make_document))}, address=host,
                    port=port, allow_websocket_origin=origins, extra_patterns=_handlers())
    server.start()
    return server


