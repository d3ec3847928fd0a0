from jobhunt_common.migrations import run_env
from keyword_analyzer import models  # noqa: F401  (registers every table on Base.metadata)
from keyword_analyzer.db import Base

run_env(Base.metadata)
