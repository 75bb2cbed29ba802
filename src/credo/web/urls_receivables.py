"""URLs of the customer's receivables pages (included into the ``web`` namespace)."""

from django.urls import path

from . import views_receivables

urlpatterns = [
    path(
        "customers/<int:pk>/orders/new/",
        views_receivables.order_create_view,
        name="receivables_order_create",
    ),
]
