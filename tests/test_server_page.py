"""The monitor page at / in headless Chromium: load it, submit a prompt, see tokens and latent bars appear.
The screenshot is kept as target/server-monitor.png."""
import json
import os

import pytest

import serverutil
from conftest import ROOT

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"),
                                reason="/usr/bin/chromium is absent (Debian: apt-get install -y chromium)")


def test_monitor_page_shows_tokens_and_latent_bars(tmp_path):
    from cdp import Browser
    sae = tmp_path / "res2"
    serverutil.make_sae(sae, seed=4)
    with serverutil.serve("--sae", f"res2={sae}") as server:
        b = Browser(tmp_path / "chromium-profile")
        try:
            b.open_page()
            b.navigate(server.url + "/")
            b.wait_for("document.querySelectorAll('#sae option').length > 0")
            assert b.eval("document.getElementById('sae').value") == "res2"
            b.eval("document.getElementById('prompt').value = " + json.dumps("Once upon a time, Lily"))
            b.eval("document.getElementById('latents').value = '3, 5, 9, 17'")
            b.eval("document.getElementById('max').value = '12'")
            b.eval("document.getElementById('go').click()")
            b.wait_for("document.getElementById('status').textContent.startsWith('done')")
            rows = b.eval("document.querySelectorAll('tr.token-row').length")
            assert rows == 12
            text = b.eval("document.getElementById('text').textContent")
            assert len(text) > 10
            tokens = b.eval("[...document.querySelectorAll('td.token')].map(t => t.textContent)")
            assert len(tokens) == 12 and all(tokens)
            bars = b.eval("[...document.querySelectorAll('.bar')].map(x => [Number(x.dataset.latent), "
                          "Number(x.dataset.value), x.getBoundingClientRect().width])")
            assert len(bars) == 12 * 4
            assert {l for l, _, _ in bars} == {3, 5, 9, 17}
            assert any(w > 0 for _, v, w in bars), "some latent is active and drawn"
            for _, v, w in bars:  # widths follow the values (the largest is 80 px)
                assert (w > 0) == (v > 0)
            out = ROOT / "target" / "server-monitor.png"
            out.parent.mkdir(exist_ok=True)
            b.screenshot(out)
            assert out.stat().st_size > 5000
        finally:
            b.close()
