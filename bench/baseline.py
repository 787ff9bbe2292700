"""The bare baseline: Flask rendering a Jinja template of 24 in-memory items, nothing else."""

from flask import Flask, render_template_string

app = Flask(__name__)

ITEMS = [{"title": f"Keripik Singkong {n}", "price": f"Rp{25 + n}.000", "store": f"Toko {n}",
          "url": f"/p/{n}-keripik-singkong-{n}"} for n in range(24)]

TEMPLATE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Baseline</title></head><body><h1>Produk</h1><ul>
{% for item in items %}<li><a href="{{ item.url }}">{{ item.title }}</a>
<p>{{ item.price }}</p><p>{{ item.store }}</p></li>{% endfor %}</ul></body></html>"""


@app.get("/")
def index():
    return render_template_string(TEMPLATE, items=ITEMS)
