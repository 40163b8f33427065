"""Imports every model module, so SQLAlchemy and Alembic see all tables. Add new domains here."""
from ess.audit import AuditEvent  # noqa: F401
from ess.auth.models import Identity  # noqa: F401
from ess.people.models import Department, Employee, EmployeeRole  # noqa: F401
from ess.knowledge.models import (  # noqa: F401
    Acknowledgement, Article, Attachment, AudienceRule, Category, Feedback, Revision, SearchDoc, SearchQuery, Tag)
from ess.approvals.models import ApprovalEvent, ApprovalRequest, ApprovalStep, Delegation  # noqa: F401
from ess.notify.models import OutboxMessage  # noqa: F401
from ess.benefits.models import BenefitEnrolment, CoveredPerson, LifeEvent  # noqa: F401
from ess.helpdesk.models import Announcement, HelpfulVote, Message, Question, QuestionAttachment  # noqa: F401
from ess.insights.models import ArticleView, SearchFeedback  # noqa: F401
from ess.leave.models import LeaveAttachment, LeaveFeedToken, LeaveRequest, LedgerEntry  # noqa: F401
from ess.profile.models import Dependent, EmergencyContact, PersonalDetails, SealedValue  # noqa: F401
from ess.scim.models import ScimGroup, ScimGroupMember, ScimUser  # noqa: F401
from ess.tokens.models import ServiceToken  # noqa: F401
from ess.webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: F401
