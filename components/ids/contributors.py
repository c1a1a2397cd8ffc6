"""Component IDs of the contributor DER uploads and enrolment log page."""
from __future__ import annotations


class Contributors:
    """Contributor DER uploads and the enrolment log (/contributors)."""

    TABS = "contributors-tabs"
    # the upload (aggregators)
    UPLOAD_PANEL = "contributors-upload-panel"
    TEMPLATE_CSV = "contributors-template-csv"
    TEMPLATE_XLSX = "contributors-template-xlsx"
    TEMPLATE_DOWNLOAD = "contributors-template-download"
    UPLOAD = "contributors-upload"
    UPLOAD_MESSAGE = "contributors-upload-message"
    SHOWN = "contributors-shown"  # the upload on screen: {"id": ..., "t": ...}
    RESULT = "contributors-result"
    PREVIEW_WRAP = "contributors-preview-wrap"
    PREVIEW_GRID = "contributors-preview-grid"
    PROBLEMS_WRAP = "contributors-problems-wrap"
    PROBLEMS_GRID = "contributors-problems-grid"
    APPLY = "contributors-apply"
    APPLY_MESSAGE = "contributors-apply-message"
    HISTORY_GRID = "contributors-history-grid"
    # the enrolment log (everyone with VIEW_REGISTRY)
    LOG_LDC = "contributors-log-ldc"
    LOG_DER_STATUS = "contributors-log-der-status"
    LOG_ENROLMENT_STATUS = "contributors-log-enrolment-status"
    LOG_DATE = "contributors-log-date"
    LOG_SUMMARY = "contributors-log-summary"
    LOG_GRID = "contributors-log-grid"
    LOG_EXPORT_CSV = "contributors-log-export-csv"
    LOG_EXPORT_XLSX = "contributors-log-export-xlsx"
    LOG_DOWNLOAD = "contributors-log-download"
