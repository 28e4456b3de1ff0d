"""Static companions: kernel-free figures with sliders, for the website.

A frozen ipywidget does nothing on a static page (no Python runs there). A
*companion* precomputes the figure for every combination of slider values,
embeds the frames as PNG images in one self-contained HTML snippet, and uses a
few lines of inline JavaScript to show the frame that matches the sliders. It
needs no network and no external script, so it works from disk.

    def render(eta, kappa):            # -> matplotlib Figure for one setting
        ...
    slider_figure(render, {"eta": [0.1, 0.5, 1.0], "kappa": [1, 10, 100]},
                  alt=lambda eta, kappa: f"Gradient descent with eta={eta}, kappa={kappa}.")

Keep the number of frames (the product of the grid sizes) small: each frame is
one PNG (typically 15-40 kB at the default size and dpi).
"""
from __future__ import annotations

import base64
import html
import io
import itertools
import json
import re
from typing import Callable, Mapping, Sequence

__all__ = ["slider_figure", "render_frames", "companion_html", "png_bytes", "MAX_FRAMES"]

MAX_FRAMES = 400


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def png_bytes(fig, dpi: int = 80) -> bytes:
    """The figure as PNG bytes; the figure is closed (widgets redraw often)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def render_frames(render: Callable, params: Mapping[str, Sequence], dpi: int = 72) -> list[bytes]:
    """PNG bytes for every setting, in row-major order of ``params`` (last name fastest)."""

    names = list(params)
    frames = []
    for combo in itertools.product(*(params[n] for n in names)):
        frames.append(png_bytes(render(**dict(zip(names, combo))), dpi))
    return frames


def companion_html(
    frames: Sequence[bytes],
    params: Mapping[str, Sequence],
    alts: Sequence[str],
    title: str = "",
    labels: Mapping[str, str] | None = None,
    uid: str = "companion",
) -> str:
    """The self-contained HTML (images + sliders + inline script) for precomputed ``frames``."""
    names = list(params)
    sizes = [len(params[n]) for n in names]
    n_frames = 1
    for s in sizes:
        n_frames *= s
    if len(frames) != n_frames or len(alts) != n_frames:
        raise ValueError(f"expected {n_frames} frames and alt texts for grid sizes {sizes}; got {len(frames)} and {len(alts)}.")
    if not re.fullmatch(r"[A-Za-z][\w-]*", uid):
        raise ValueError(f"uid must be a simple HTML id (letters, digits, -, _); got {uid!r}.")
    labels = dict(labels or {})
    uris = ["data:image/png;base64," + base64.b64encode(f).decode("ascii") for f in frames]
    rows = []
    for k, name in enumerate(names):
        values = [_fmt(v) for v in params[name]]
        label = html.escape(labels.get(name, name))
        rows.append(
            f'<label style="display:flex;gap:0.6em;align-items:center;margin:0.2em 0">'
            f'<span style="min-width:9em">{label}</span>'
            f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{len(values) // 2}" '
            f'data-k="{k}" aria-label="{label}" style="flex:1">'
            f'<output style="min-width:5em;font-family:monospace">{html.escape(values[len(values) // 2])}</output></label>'
        )
    start = 0
    for k, s in enumerate(sizes):
        start = start * s + s // 2
    data = json.dumps({"uris": uris, "alts": list(alts), "sizes": sizes, "values": [[_fmt(v) for v in params[n]] for n in names]})
    heading = f"<div style='font-weight:600;margin-bottom:0.3em'>{html.escape(title)}</div>" if title else ""
    return f"""<div id="{uid}" class="nntrain-companion" style="border:1px solid #ccc;border-radius:6px;padding:0.6em;max-width:760px">
{heading}{''.join(rows)}
<img src="{uris[start]}" alt="{html.escape(alts[start])}" style="max-width:100%;height:auto;display:block;margin-top:0.4em">
<script type="application/json" class="nntrain-frames">{data}</script>
<script>
(function() {{
  var root = document.getElementById("{uid}");
  var d = JSON.parse(root.querySelector("script.nntrain-frames").textContent);
  var sliders = root.querySelectorAll("input[type=range]"), img = root.querySelector("img");
  function show() {{
    var i = 0;
    sliders.forEach(function(s, k) {{
      i = i * d.sizes[k] + Number(s.value);
      s.nextElementSibling.textContent = d.values[k][Number(s.value)];
    }});
    img.src = d.uris[i]; img.alt = d.alts[i];
  }}
  sliders.forEach(function(s) {{ s.addEventListener("input", show); }});
}})();
</script>
</div>"""


def slider_figure(
    render: Callable,
    params: Mapping[str, Sequence],
    alt: Callable[..., str] | str,
    title: str = "",
    labels: Mapping[str, str] | None = None,
    uid: str | None = None,
    dpi: int = 72,
):
    """A kernel-free figure with one slider per parameter, as an ``IPython.display.HTML``.

    Inputs: ``render(**setting) -> matplotlib.figure.Figure``; ``params`` maps
    each keyword of ``render`` to the list of values its slider steps through;
    ``alt`` is the alt text (a string, or a function of the setting);
    ``labels`` optional display names for the sliders; ``uid`` an HTML id
    (derived from ``title`` when omitted; must be unique on its page).
    Returns: ``IPython.display.HTML``; its ``.data`` is the HTML string, and
    ``.nbytes`` (an attribute added here) is its size in bytes.
    """
    from IPython.display import HTML

    if not params:
        raise ValueError("params must name at least one slider, e.g. {'eta': [0.1, 0.5]}.")
    for name, values in params.items():
        if len(values) == 0:
            raise ValueError(f"slider {name!r} needs at least one value; got an empty list.")
    n_frames = 1
    for values in params.values():
        n_frames *= len(values)
    if n_frames > MAX_FRAMES:
        raise ValueError(f"{n_frames} frames is too many for one page (at most {MAX_FRAMES}); use coarser grids.")
    names = list(params)
    settings = [dict(zip(names, combo)) for combo in itertools.product(*(params[n] for n in names))]
    alts = [alt(**s) if callable(alt) else alt for s in settings]
    frames = render_frames(render, params, dpi=dpi)
    if uid is None:
        uid = "companion-" + (re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower() or "figure")
    out = HTML(companion_html(frames, params, alts, title=title, labels=labels, uid=uid))
    out.nbytes = len(out.data.encode("utf-8"))
    return out
