"""SQLAlchemy 2 typed models, grouped by aggregate. Importing this registers every table."""
from data.models.audit import AuditEntry, PollerRun
from data.models.base import Base
from data.models.ders import ContributorUpload, Der, Enrolment, IdSequence, Meter, Program, Resource
from data.models.grid import Feeder, Station
from data.models.limits import LimitDecision, LimitInterval, LimitRequest
from data.models.market import Bid, BidChange, ResourcePlan
from data.models.mv import MvEvent, MvResult
from data.models.notices import Notice, NoticeRecipient
from data.models.operations import ConflictAlert, DispatchInstruction, Outage, OutageElement
from data.models.organisations import Notification, Organisation, User
from data.models.readings import Reading, Series

__all__ = [
    "AuditEntry", "Base", "Bid", "BidChange", "ConflictAlert", "ContributorUpload", "Der",
    "DispatchInstruction", "Enrolment", "Feeder", "IdSequence", "LimitDecision", "LimitInterval",
    "LimitRequest", "Meter", "MvEvent", "MvResult", "Notice", "NoticeRecipient", "Notification", "Organisation",
    "Outage", "OutageElement", "PollerRun", "Program", "Reading", "Resource", "ResourcePlan", "Series",
    "Station", "User",
]
