"""HTTP routes of the embed domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
