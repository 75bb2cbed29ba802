"""URLs of the web UI (namespace ``web``). Login and logout live in the root URL map."""

from django.urls import include, path

from . import views

app_name = "web"

customer = "customers/<int:pk>/"
record = customer + "records/<slug:type_key>/"

urlpatterns = [
    path("", views.customer_list_view, name="customer_list"),
    path("audit/changes/", views.audit_changes, name="audit_changes"),
    path("audit/access/", views.audit_access, name="audit_access"),
    path("portfolio/", include("credo.web.urls_portfolio")),
    path("collections/", include("credo.web.urls_collections")),
    path("customers/new/", views.customer_create_view, name="customer_create"),
    path("customers/suggest/", views.customer_suggest, name="customer_suggest"),
    path(customer, views.customer_detail, name="customer_detail"),
    path(customer + "tabs/<slug:tab>/", views.customer_tab, name="customer_tab"),
    path(customer + "edit/", views.customer_edit, name="customer_edit"),
    path(customer + "delete/", views.customer_delete_view, name="customer_delete"),
    path(customer + "owner/", views.customer_owner, name="customer_owner"),
    path(customer + "contacts/new/", views.contact_create_view, name="contact_create"),
    path(customer + "contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path(
        customer + "contacts/<int:contact_pk>/delete/",
        views.contact_delete_view,
        name="contact_delete",
    ),
    path(customer + "aliases/new/", views.alias_create_view, name="alias_create"),
    path(customer + "aliases/<int:alias_pk>/delete/", views.alias_delete_view, name="alias_delete"),
    path(customer + "external-ids/new/", views.external_id_create_view, name="external_id_create"),
    path(
        customer + "external-ids/<int:external_id_pk>/delete/",
        views.external_id_delete_view,
        name="external_id_delete",
    ),
    path(customer + "team/new/", views.team_member_create_view, name="team_member_create"),
    path(
        customer + "team/<int:member_pk>/delete/",
        views.team_member_delete_view,
        name="team_member_delete",
    ),
    path(record + "new/", views.record_create_view, name="record_create"),
    path(record + "<int:record_pk>/edit/", views.record_edit, name="record_edit"),
    path(record + "<int:record_pk>/delete/", views.record_delete_view, name="record_delete"),
    path(customer + "attachments/new/", views.attachment_create_view, name="attachment_create"),
    path(
        customer + "attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        customer + "attachments/<int:attachment_pk>/delete/",
        views.attachment_delete_view,
        name="attachment_delete",
    ),
    path("", include("credo.web.urls_receivables")),
    path("", include("credo.web.urls_rating")),
]
