from jobhunt_common.migrations import run_env
from tracker import models  # noqa: F401  (registers every table on Base.metadata)
from tracker.db import Base

run_env(Base.metadata)
