from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _

from scoring import views as scoring_views
from tthc_scoring import twofactor
from tthc_scoring.health import healthz


def admin_login(request, extra_context=None):
    """The admin is behind the site's own login (the lockout, the second factor)."""
    return redirect(f"{reverse('login')}?{urlencode({'next': request.GET.get('next', '/admin/')})}")


admin.site.login = admin_login
admin.site.site_header = _("TTHC Scoring administration")
admin.site.site_title = _("TTHC Scoring")
admin.site.index_title = _("Data administration")

urlpatterns = [
    path("", scoring_views.home, name="home"),
    path("start/", scoring_views.start, name="start"),
    path("healthz", healthz, name="healthz"),
    path("two-factor/setup/", twofactor.setup, name="two_factor_setup"),
    path("two-factor/verify/", twofactor.verify, name="two_factor_verify"),
    path("", include("scoring.urls")),
    path("", include("reports.urls")),
    path("", include("imports.urls")),
    path("", include("dashboards.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
