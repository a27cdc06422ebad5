"""A host product's backend in Django (pip install django inset): the view the Inset SDK's
getEmbedUrl calls. Add it to your urls.py:

    path("inset/embed-url", django_host.embed_url)

and put INSET_URL / INSET_TOKEN in settings (from your secret store).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from inset.client import InsetAPIError, InsetClient

inset = InsetClient(settings.INSET_URL, settings.INSET_TOKEN)


@login_required
@require_POST
def embed_url(request: HttpRequest) -> JsonResponse:
    # Django's CSRF middleware checks this fetch (send the csrftoken header from the page).
    try:
        page = json.loads(request.body or b"{}").get("page")
    except ValueError:
        page = None
    user = request.user
    try:
        url = inset.embed_url(
            "supplier-portal",
            ["suppliers"],
            str(user.pk),
            user_info={"email": user.email, "firstName": user.first_name},
            metadata={"supplierId": user.profile.supplier_id},  # your own model
            parent_origin=settings.INSET_PARENT_ORIGIN,  # e.g. "https://app.example.com"
            page_name=page if isinstance(page, str) else None,
        )
    except InsetAPIError as exc:
        return JsonResponse({"error": exc.code}, status=502)
    return JsonResponse({"embedUrl": url})
