"""``gandyn serve``: a PPLANE-like explorer of GAN dynamics in the browser (``docs/serve.md``).

``state`` (settings <-> query string, pure), ``app`` (the Bokeh document), ``export`` (the
page's numbers as strict JSON and its picture as PNG), ``server`` (the Bokeh server with the
export routes); the numbers come from ``gandyn.explore.lab``.
"""
