"""A host product's backend in Flask (pip install flask inset): one endpoint that mints a
single-use Inset embed URL for the signed-in user. The page is the same as in
fastapi_host.py: it loads {INSET_URL}/sdk/inset-embed.js and calls Inset.embed.

    INSET_URL=https://inset.example.com INSET_TOKEN=ins_… flask --app flask_host run
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request

from inset.client import InsetAPIError, InsetClient

inset = InsetClient(os.environ.get("INSET_URL", "http://localhost:8700"), os.environ["INSET_TOKEN"])
HOST_ORIGIN = os.environ.get("HOST_ORIGIN", "http://127.0.0.1:5000")
app = Flask(__name__)


def current_user() -> dict[str, object]:
    # Your product's own login goes here (flask_login.current_user, …).
    return {"id": "user-4711", "email": "ada@acme.example", "supplier_id": 42}


@app.post("/inset/embed-url")
def embed_url():  # type: ignore[no-untyped-def]
    user = current_user()
    page = (request.get_json(silent=True) or {}).get("page")
    try:
        url = inset.embed_url(
            "supplier-portal",
            ["suppliers"],
            str(user["id"]),
            user_info={"email": str(user["email"])},
            metadata={"supplierId": user["supplier_id"]},
            parent_origin=HOST_ORIGIN,
            page_name=page if isinstance(page, str) else None,
        )
    except InsetAPIError as exc:
        return jsonify(error=exc.code), 502
    return jsonify(embedUrl=url)
