"""A host product's backend in FastAPI: its own login, plus the one endpoint the Inset SDK
calls to get a fresh single-use embed URL for the signed-in user.

    INSET_URL=https://inset.example.com INSET_TOKEN=ins_… uvicorn fastapi_host:app --port 8000

Run from examples/hosts/. Needs only fastapi, uvicorn and inset (for inset.client).
"""

from __future__ import annotations

import os

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from inset.client import AsyncInsetClient, InsetAPIError

INSET_URL = os.environ.get("INSET_URL", "http://localhost:8700")
HOST_ORIGIN = os.environ.get("HOST_ORIGIN", "http://127.0.0.1:8000")  # this page's origin
inset = AsyncInsetClient(INSET_URL, os.environ.get("INSET_TOKEN", ""))
app = FastAPI()


class User(BaseModel):
    id: str
    email: str
    supplier_id: int


def current_user(request: Request) -> User:
    # Your product's own login goes here (session cookie, JWT, …).
    return User(id="user-4711", email="ada@acme.example", supplier_id=42)


class EmbedUrlRequest(BaseModel):
    page: str | None = None  # the SDK passes the page the user was on


@app.post("/inset/embed-url")
async def embed_url(body: EmbedUrlRequest, user: User = Depends(current_user)) -> dict[str, str]:
    try:
        url = await inset.embed_url(
            "supplier-portal",
            ["suppliers"],
            user.id,
            user_info={"email": user.email},
            metadata={"supplierId": user.supplier_id},  # tenancy: current_user.metadata.*
            parent_origin=HOST_ORIGIN,
            page_name=body.page,
        )
    except InsetAPIError as exc:
        raise HTTPException(502, f"Inset refused: {exc.code}") from exc
    return {"embedUrl": url}


@app.get("/", response_class=HTMLResponse)
async def portal_page() -> str:
    return f"""<!doctype html><title>Supplier portal</title>
<div id="portal"></div>
<script src="{INSET_URL}/sdk/inset-embed.js"></script>
<script>
  Inset.embed(document.getElementById("portal"), {{
    getEmbedUrl: async ({{ page }}) => {{
      const r = await fetch("/inset/embed-url", {{
        method: "POST", headers: {{ "Content-Type": "application/json" }},
        body: JSON.stringify({{ page }}),
      }});
      if (!r.ok) throw new Error("could not open the portal");
      return (await r.json()).embedUrl;
    }},
    data: {{ customerId: 42 }},
    onEvent: (event) => console.log("inset", event),
  }});
</script>"""
