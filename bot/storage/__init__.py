"""Storage: SQLAlchemy 2 async models, repository and Alembic migrations.

SQLite by default; PostgreSQL when DATABASE_URL is set.
"""

from bot.storage.changes import (
    UNSET,
    AcceptPrivacy,
    AddCpdEntry,
    AddObjective,
    AttachEvidence,
    CancelReminders,
    Change,
    ClearRating,
    CompleteAssessment,
    RecordRating,
    ScheduleReminder,
    SetProfile,
    SetTarget,
    StartAssessment,
)
from bot.storage.engine import create_engine, create_repository, create_sessionmaker
from bot.storage.models import CAREER_STAGES, LEVELS
from bot.storage.records import (
    AssessmentClosedError,
    AssessmentRecord,
    ConversationRecord,
    CpdEntryRecord,
    Mentor,
    NoOpenAssessmentError,
    ProfileRecord,
    RatingRecord,
    ReminderRecord,
    SharedProfile,
    Snapshot,
    StorageError,
    UserRecord,
)
from bot.storage.repository import Repository

__all__ = [
    "CAREER_STAGES",
    "LEVELS",
    "UNSET",
    "AcceptPrivacy",
    "AddCpdEntry",
    "AddObjective",
    "AttachEvidence",
    "AssessmentClosedError",
    "AssessmentRecord",
    "CancelReminders",
    "Change",
    "ClearRating",
    "CompleteAssessment",
    "ConversationRecord",
    "CpdEntryRecord",
    "Mentor",
    "NoOpenAssessmentError",
    "ProfileRecord",
    "RatingRecord",
    "RecordRating",
    "ReminderRecord",
    "Repository",
    "ScheduleReminder",
    "SetProfile",
    "SetTarget",
    "SharedProfile",
    "Snapshot",
    "StartAssessment",
    "StorageError",
    "UserRecord",
    "create_engine",
    "create_repository",
    "create_sessionmaker",
]
