"""Two-factor login (TOTP, django-otp) for the people whose accounts approve and sign: the
roles ``OTP_REQUIRED_FOR`` names ("reviewer", "leader", "admin"). Such a user, once logged in
with the password, reaches nothing else until they enter a code from their authenticator
app: they set it up the first time (a QR code, then a code to confirm it, then ten one-time
recovery codes shown once), and enter a code (or a recovery code) at every login after."""

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from units.models import Membership

RECOVERY_CODES = 10
# Pages a user who still owes the second factor may open.
OPEN_PATHS = ("two-factor/", "accounts/logout/", "i18n/", "static/", "healthz")


def requires_second_factor(user) -> bool:
    wanted = set(settings.OTP_REQUIRED_FOR)
    if not wanted or not user.is_authenticated:
        return False
    if "admin" in wanted and (user.is_staff or user.is_superuser):
        return True
    roles = {role for role in ("reviewer", "leader") if role in wanted}
    return bool(roles) and Membership.objects.filter(user=user, role__in=roles).exists()


class TwoFactorMiddleware:
    """After the login and django-otp's OTPMiddleware: send an unverified user who needs the
    second factor to set it up, or to enter a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        path = request.path_info.lstrip("/")
        if (
            user.is_authenticated
            and not user.is_verified()
            and not path.startswith(OPEN_PATHS)
            and requires_second_factor(user)
        ):
            target = "two_factor_verify" if user_has_device(user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("start")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if safe else reverse("start")


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Pair an authenticator app: scan the QR code, then confirm with a code it shows.

    Only for a user who has no device yet, or who has already passed the second step: with
    the password alone nobody may pair a device of their own to someone else's account."""
    if user_has_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?next={_next(request)}")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Ứng dụng xác thực"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                codes = _new_recovery_codes(request.user)
            otp_login(request, device)
            return render(
                request, "two_factor/recovery.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("code", _("That code is not right: enter the six digits the app shows now."))
    qr = segno.make(device.config_url, micro=False).svg_data_uri(scale=5)
    secret = base64.b32encode(device.bin_key).decode()
    context = {"form": form, "qr": qr, "secret": secret, "next": _next(request)}
    return render(request, "two_factor/setup.html", context)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"))
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of every login: a code from the app, or one recovery code."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", _("That code is not right, or it was already used."))
    return render(request, "two_factor/verify.html", {"form": form, "next": _next(request)})
