"""Assessment: classification, impact prediction, threat evaluation and the engagement rule."""

from cupola.assess.base import AIR_BREATHING, BALLISTIC, CLASS_NAMES, Assessment, AssessParams
from cupola.assess.classify import classify
from cupola.assess.evaluate import AreaIndex, assess

__all__ = [
    "AIR_BREATHING",
    "BALLISTIC",
    "CLASS_NAMES",
    "AreaIndex",
    "AssessParams",
    "Assessment",
    "assess",
    "classify",
]
