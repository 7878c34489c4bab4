"""Small helpers the platform modules share: opaque page tokens and id-list parsing."""

import base64


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def page_offset(token: str) -> int | None:
    """The offset a page token stands for; None when the token is not one of ours."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, value = raw.partition(":")
        offset = int(value)
    except (ValueError, UnicodeDecodeError):
        return None
    return offset if prefix == "offset" and offset >= 0 else None
