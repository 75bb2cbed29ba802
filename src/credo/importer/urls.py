from django.urls import path

from . import views

app_name = "importer"
urlpatterns = [
    path("", views.import_upload, name="upload"),
    path("confirm/", views.import_confirm, name="confirm"),
]
