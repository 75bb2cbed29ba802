"""URLs of the collections pages (included into the ``web`` namespace under ``collections/``)."""

from django.urls import path

from . import views_collections as views

urlpatterns = [
    path("worklist/", views.worklist_view, name="collections_worklist"),
    path("letters/", views.letters_view, name="collections_letters"),
    path("letters/run/", views.dunning_run_view, name="collections_run"),
    path("letters/<int:pk>/", views.letter_view, name="collections_letter"),
    path("letters/<int:pk>/send/", views.letter_send, name="collections_letter_send"),
    path("customers/<int:pk>/promises/", views.promises_view, name="collections_promises"),
    path("promises/review/", views.promises_review_view, name="collections_promises_review"),
]
