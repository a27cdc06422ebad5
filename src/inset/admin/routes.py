"""HTTP routes of the admin domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
