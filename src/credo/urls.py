"""Root URL map: UI (translated pages), admin, API, language switch."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from credo.web.views import CredoLoginView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", CredoLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("credo.api.urls")),
    path("import/", include("credo.importer.urls")),
    path("", include("credo.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
