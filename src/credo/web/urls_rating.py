"""URLs of the rating pages and of the rating tab's forms (included into the ``web`` namespace)."""

from django.urls import path

from . import views_rating as views

customer = "customers/<int:pk>/rating/"

urlpatterns = [
    path(customer + "rate/", views.rating_rate_view, name="rating_rate"),
    path(customer + "events/new/", views.credit_event_create_view, name="rating_event_create"),
    path(customer + "overrides/new/", views.override_propose_view, name="rating_override_propose"),
    path(
        "rating/overrides/<int:override_pk>/decide/",
        views.override_decide_view,
        name="rating_override_decide",
    ),
    path("rating/overrides/", views.overrides_view, name="rating_overrides"),
    path("rating/overrides/report/", views.overrides_report_view, name="rating_overrides_report"),
    path("rating/reviews/", views.reviews_view, name="rating_reviews"),
    path("rating/backtest/", views.backtest_view, name="rating_backtest"),
    path(
        "rating/reviews/<int:review_pk>/decide/",
        views.review_decide_view,
        name="rating_review_decide",
    ),
    path("rating/notifications/", views.notifications_view, name="rating_notifications"),
    path(
        "rating/notifications/<int:notification_pk>/read/",
        views.notification_read_view,
        name="rating_notification_read",
    ),
    path(
        "rating/notifications/read-all/",
        views.notifications_read_all_view,
        name="rating_notifications_read_all",
    ),
    path("rating/scorecards/", views.scorecards_view, name="rating_scorecards"),
    path(
        "rating/scorecards/<int:version_pk>/",
        views.scorecard_detail_view,
        name="rating_scorecard_detail",
    ),
    path(
        "rating/scorecards/<int:version_pk>/activate/",
        views.scorecard_activate_view,
        name="rating_scorecard_activate",
    ),
    path(
        "rating/scorecards/<int:version_pk>/validation/",
        views.scorecard_validation_view,
        name="rating_scorecard_validation",
    ),
    path(
        "rating/scorecards/<int:version_pk>/edit/",
        views.scorecard_edit_view,
        name="rating_scorecard_edit",
    ),
]
