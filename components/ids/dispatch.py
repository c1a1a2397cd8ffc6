"""Component IDs of the dispatch instructions page."""
from __future__ import annotations


class Dispatch:
    """Dispatch instructions (/dispatch): IESO and DSO side by side, the DSO form, acknowledgements."""

    REFRESH = "dispatch-refresh"
    GRID = "dispatch-grid"
    SUMMARY = "dispatch-summary"
    SELECTED = "dispatch-selected"
    ACCEPT = "dispatch-accept"
    REJECT = "dispatch-reject"
    ACK_REASON = "dispatch-ack-reason"
    ACK_MESSAGE = "dispatch-ack-message"
    FORM = "dispatch-form"
    FORM_TARGET_KIND = "dispatch-form-target-kind"
    FORM_TARGET = "dispatch-form-target"
    FORM_AMOUNT = "dispatch-form-amount"
    FORM_UNIT = "dispatch-form-unit"
    FORM_DIRECTION = "dispatch-form-direction"
    FORM_MVAR = "dispatch-form-mvar"
    FORM_START = "dispatch-form-start"
    FORM_END = "dispatch-form-end"
    FORM_ACK_MINUTES = "dispatch-form-ack-minutes"
    ISSUE = "dispatch-issue"
    FORM_MESSAGE = "dispatch-form-message"
    # the next-day (10:00 EPT) IESO checklist
    CHECKLIST = "dispatch-checklist"
    CHECKLIST_TITLE = "dispatch-checklist-title"
    CHECKLIST_COUNTDOWN = "dispatch-checklist-countdown"
    SEND_IESO = "dispatch-send-ieso"
    SEND_MESSAGE = "dispatch-send-message"
