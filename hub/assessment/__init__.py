"""积分考核: grid workers' points for a month, from rules kept as data, ranked."""

from hub.assessment.points import Assessment, Line, assess, combined
from hub.assessment.ranking import Ranked, rank
from hub.assessment.rules import PointsRule, PointsRules, Source
from hub.assessment.service import Assessments
from hub.assessment.settings import AssessmentSettings

__all__ = [
    "Assessment",
    "AssessmentSettings",
    "Assessments",
    "Line",
    "PointsRule",
    "PointsRules",
    "Ranked",
    "Source",
    "assess",
    "combined",
    "rank",
]
