"""Component IDs of the profile page."""
from __future__ import annotations


class Profile:
    """My profile (/profile): details, contact details, organisation / role change requests."""

    MENU_ITEM = "profile-menu-item"
    DETAILS = "profile-details"
    DISPLAY_NAME = "profile-display-name"
    EMAIL = "profile-email"
    PHONE = "profile-phone"
    SAVE = "profile-save"
    SAVE_MESSAGE = "profile-save-message"
    SAVED = "profile-saved"
    ROLE = "profile-role"
    ORGANISATION = "profile-organisation"
    ORGANISATION_CODE = "profile-organisation-code"
    REQUEST = "profile-request"
    REQUEST_MESSAGE = "profile-request-message"
    PENDING = "profile-pending"
    WITHDRAW = "profile-withdraw"
    CHANGED = "profile-changed"
