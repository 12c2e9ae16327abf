"""Explore GAN dynamics in the browser: a PPLANE-like page served on this machine.

Choose a game (a typed loss triple f1/f2/f3, a built-in pointwise game, the Dirac-GAN with a
loss and a regulariser, a bilinear game), move the sliders (p_d, γ, σ, learning rate, n_disc)
and the update rule; tap the phase portrait to start a flow and the iterates there, or tap a
rest point for its eigenvalues, verdict and largest stable learning rate. Panels: the phase
portrait (streamlines, nullclines, rest points by kind), the distance to the equilibrium
against ρ^k, the update map's spectrum with the unit circle, and the stability map over
learning rate × γ. The address bar always holds the settings (share it); the page links its
numbers as JSON and its picture as PNG. Ctrl-C stops the server. See docs/serve.md.

    gandyn serve                       # http://127.0.0.1:5006/
    gandyn serve --port 8080 --open    # and open a browser tab
"""

from __future__ import annotations

from gandyn.cli import bounded_int


def add_arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=bounded_int(1, 65535), default=5006,
                        help="TCP port (default 5006)")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")


def run(args) -> int:
    import sys

    from gandyn.commands import fail

    try:
        from gandyn.serve.server import make_server
    except ModuleNotFoundError as e:  # bokeh is a dependency; a broken install says so
        return fail("serve", f"cannot import {e.name}: install gandyn's dependencies "
                             "(python3 -m pip install -e .)")
    try:
        server = make_server(args.host, args.port)
    except OSError as e:
        return fail("serve", f"cannot listen on {args.host}:{args.port}: "
                             f"{e.strerror or e}")
    url = f"http://{args.host if ':' not in args.host else f'[{args.host}]'}:{args.port}/"
    print(f"gandyn serve: {url} (Ctrl-C to stop)", flush=True)
    if args.open:
        import webbrowser

        server.io_loop.add_callback(lambda: webbrowser.open(url))
    sys.stdout.flush()
    server.io_loop.start()  # until a signal: the CLI's handler ends the process
    return 0
