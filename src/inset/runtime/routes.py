"""HTTP routes of the runtime domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
