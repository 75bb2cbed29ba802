"""URLs of the portfolio pages (included into the ``web`` namespace under ``portfolio/``)."""

from django.urls import path

from . import views_portfolio as views

urlpatterns = [
    path("ageing/", views.ageing_view, name="portfolio_ageing"),
    path("ageing.csv", views.ageing_csv, name="portfolio_ageing_csv"),
    path("metrics/", views.metrics_view, name="portfolio_metrics"),
    path("blocked-orders/", views.worklist_view, name="portfolio_worklist"),
    path(
        "blocked-orders/<int:order_pk>/decide/", views.order_decide, name="portfolio_order_decide"
    ),
]
