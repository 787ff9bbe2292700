"""Vendor sales: dashboard with charts, CSV exports, monthly statement and its public check."""

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user, login_required

from blueprints.common import int_arg
from blueprints.vendor import bp
from blueprints.vendor.acting import store_required
from blueprints.vendor.order_forms import VerifyStatementForm
from marketplace.errors import NotFound
from marketplace.extensions import limiter
from marketplace.replica import read_replica
from marketplace.services import payouts, stores

CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM = 640, 240, 16, 200


def chart(series: list, value: str = "revenue") -> dict:
    """Bar geometry for an inline SVG chart (presentation attributes only: CSP forbids style)."""
    values = [getattr(b, value) for b in series]
    peak = max(values, default=0) or 1
    slot = CHART_W / max(len(series), 1)
    width = max(slot * 0.8, 1)
    label_every = max(1, len(series) // 8)
    bars = []
    for i, bucket in enumerate(series):
        height = round((CHART_BOTTOM - CHART_TOP) * getattr(bucket, value) / peak, 1)
        bars.append({"x": round(i * slot + (slot - width) / 2, 1), "y": CHART_BOTTOM - height,
                     "w": round(width, 1), "h": height, "bucket": bucket,
                     "label": i % label_every == 0, "cx": round(i * slot + slot / 2, 1)})
    return {"bars": bars, "peak": peak, "w": CHART_W, "h": CHART_H, "bottom": CHART_BOTTOM,
            "top": CHART_TOP}


def _period() -> int:
    return int_arg("period", 30, minimum=0)


@bp.get("/sales")
@store_required
def sales(store):
    """The sales dashboard: figures vs the previous period, chart, top products, low stock."""
    with read_replica():
        data = payouts.dashboard(current_user, store, _period(),
                                 request.args.get("by") or None)
    return render_template("vendor/sales.html", d=data, chart=chart(data.series),
                           periods=payouts.PERIODS, grains=payouts.GRAINS)


def _csv(lines, name: str) -> Response:
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/sales/orders.csv")
@store_required
def sales_orders_csv(store):
    """Download the period's orders as CSV."""
    period = _period()
    with read_replica():  # the query runs here; its rows stream from the replica
        lines = payouts.orders_csv(current_user, store, period)
    return _csv(lines, f"pesanan-{store.slug}-{period}d.csv")


@bp.get("/sales/products.csv")
@store_required
def sales_products_csv(store):
    """Download the period's sales by product as CSV."""
    period = _period()
    with read_replica():
        lines = payouts.products_csv(current_user, store, period)
    return _csv(lines, f"penjualan-produk-{store.slug}-{period}d.csv")


@bp.get("/statements")
@store_required
def statements(store):
    """Months a statement can be printed for."""
    return render_template("vendor/statement_list.html",
                           months=payouts.statement_months(store))


@bp.get("/statements/<month>")
@store_required
def statement(store, month: str):
    """A printable monthly sales statement with its verification code."""
    s = payouts.statement_for(current_user, store, month)
    return render_template("vendor/statement.html", s=s,
                           shares=stores.statement_shares(store, s.month, s.net),
                           roles=stores.ROLES)


@bp.route("/statements/verify", methods=["GET"])
@limiter.limit("30 per minute")
@login_required
def statement_verify():
    """Any signed-in person (staff, a bank or cooperative officer) checks a statement's code."""
    form = VerifyStatementForm(request.args)
    found, error = None, None
    if request.args.get("code") is not None:
        if form.validate():
            try:
                found = payouts.verify_statement(form.code.data)
            except NotFound as exc:
                error = exc.message
        else:
            error = form.code.errors[0]
    status = 404 if error else 200
    return render_template("vendor/statement_verify.html", form=form, found=found,
                           error=error), status
