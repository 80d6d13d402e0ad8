"""Supabase API keys: which role a key acts as, read without verifying it (no network, no secret needed)."""

from __future__ import annotations

import base64
import json


def key_role(key: str) -> str | None:
    """The role a Supabase API key acts as ('anon', 'service_role', ...), read without verifying."""
    if key.startswith("sb_publishable_"):
        return "anon"
    if key.startswith("sb_secret_"):
        return "service_role"
    parts = key.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    role = payload.get("role") if isinstance(payload, dict) else None
    return role if isinstance(role, str) else None
